"""``kformat.patch``: edit a Keras file without Keras — the result validates or is refused.

Edits: rename a layer (config, every reference and its ``vars`` group's name
attribute together), replace or delete a weight, drop the optimizer state,
set metadata keys, and convert between layouts (``.keras``, the unzipped
directory, ``.weights.h5``, sharded ``.weights.json``) by the output's name.

The patched file is written to a scratch name beside the output
(kformat._atomic), checked by the validator, and only then moved into place:
a patch that would break a rule of the format raises and leaves the output
untouched, and a kill mid-way leaves the old output or the new one (spec §10.5).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kformat import _atomic, weight_paths
from kformat._archive import KerasArchive, Layout
from kformat._inspect import _generation
from kformat._issues import Issue
from kformat._rename import find_model, rename_layer
from kformat.errors import InvalidArchiveError, UnsafeArchiveError

__all__ = ["patch", "patch_archive"]


class _Counted(Mapping[str, "np.ndarray[Any, Any]"]):
    """Weights that report the bytes handed to the writer so far."""

    def __init__(
        self, weights: Mapping[str, np.ndarray[Any, Any]], progress: Callable[[int], None]
    ) -> None:
        self._weights = weights
        self._progress = progress
        self._seen: set[str] = set()
        self._done = 0

    def __getitem__(self, path: str) -> np.ndarray[Any, Any]:
        arr = self._weights[path]
        if path not in self._seen:
            self._seen.add(path)
            self._done += int(arr.nbytes)
            self._progress(self._done)
        return arr

    def __iter__(self) -> Iterator[str]:
        return iter(self._weights)

    def __len__(self) -> int:
        return len(self._weights)


def patch_archive(
    archive: KerasArchive,
    *,
    rename_layers: Mapping[str, str] | None = None,
    set_weights: Mapping[str, np.ndarray[Any, Any]] | None = None,
    delete_weights: Sequence[str] = (),
    drop_optimizer: bool = False,
    set_metadata: Mapping[str, Any] | None = None,
) -> KerasArchive:
    """The edited archive (weights stay views into the source where unchanged).

    Raises:
        KeyError: a layer or weight named by an edit does not exist.
        ValueError: an edit is inconsistent (a taken name, a new array of
            another shape, a dtype the old one cannot take without loss).
    """
    config = copy.deepcopy(archive.config) if archive.config is not None else None
    groups = {k: dict(v) for k, v in archive.groups.items()}
    weights: dict[str, np.ndarray[Any, Any]] = {p: archive.weights[p] for p in archive.weights}
    metadata = dict(archive.metadata) if archive.metadata is not None else None
    # Inner layers first: renaming a nested model changes its layers' qualnames.
    ordered = sorted((rename_layers or {}).items(), key=lambda kv: -kv[0].count("/"))
    for old, new in ordered:
        if config is None:
            raise ValueError("a weights-only file has no layers to rename")
        path = _object_path(archive, config, old)
        config = rename_layer(config, old, new)
        if path is not None:
            attrs = groups.get(weight_paths.vars_path(path))
            if attrs is not None and attrs.get("name") == old.rsplit("/", 1)[-1]:
                attrs["name"] = new  # Keras 3.6+ names each vars group after its object
    for path, value in (set_weights or {}).items():
        if path not in weights:
            raise KeyError(f"no weight at {path}")
        weights[path] = _replacement(path, weights[path], value)
    for path in delete_weights:
        if path not in weights:
            raise KeyError(f"no weight at {path}")
        del weights[path]
    if drop_optimizer:
        weights = {p: w for p, w in weights.items() if not _optimizer(p)}
        groups = {p: g for p, g in groups.items() if not _optimizer(p)}
    if set_metadata:
        if metadata is None:
            raise ValueError("a weights-only file has no metadata.json to set keys in")
        metadata.update(set_metadata)
    return KerasArchive(config, metadata, weights, groups, archive.assets, archive.layout)


def _optimizer(path: str) -> bool:
    return path == "/optimizer" or path.startswith("/optimizer/")


def _object_path(archive: KerasArchive, config: dict[str, Any], qualname: str) -> str | None:
    _, entry = find_model(config, qualname)  # KeyError for an unknown layer, first
    try:
        objects = weight_paths.object_paths(config, _generation(archive))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    for obj in objects:
        if obj.config is entry:
            return obj.path
    return None


def _replacement(path: str, old: np.ndarray[Any, Any], value: Any) -> np.ndarray[Any, Any]:
    new = np.asarray(value)
    if new.shape != old.shape:
        raise ValueError(f"{path}: new array has shape {new.shape}, the file's has {old.shape}")
    if new.dtype != old.dtype:
        if not np.can_cast(new.dtype, old.dtype, casting="same_kind"):
            raise ValueError(f"{path}: cannot store {new.dtype} values as {old.dtype}")
        cast = new.astype(old.dtype)
        if not np.array_equal(cast.astype(new.dtype), new, equal_nan=new.dtype.kind == "f"):
            raise ValueError(f"{path}: {new.dtype} values do not fit {old.dtype} without loss")
        new = cast
    return np.ascontiguousarray(new)


def _layout_of(dest: Path, layout: Layout | None) -> str:
    from kformat._write import _resolve_layout

    return _resolve_layout(dest, layout)


def patch(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    rename_layers: Mapping[str, str] | None = None,
    set_weights: Mapping[str, np.ndarray[Any, Any]] | None = None,
    delete_weights: Sequence[str] = (),
    drop_optimizer: bool = False,
    set_metadata: Mapping[str, Any] | None = None,
    layout: Layout | None = None,
    max_shard_size: float | None = None,
    config_from: str | os.PathLike[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Issue]:
    """Edit ``source`` into ``dest`` (which may be ``source`` itself).

    The layout of ``dest`` follows its name (``*.keras``, ``*.weights.h5``,
    ``*.weights.json`` with ``max_shard_size`` GiB per shard, else a
    directory) unless ``layout`` is given, so a patch with no edit converts.
    ``config_from`` (a ``.keras`` or model directory) supplies the config and
    metadata for weights-only ``source`` (a ``.weights.h5`` becomes a ``.keras``).

    Returns:
        The validator's warnings about the result (errors refuse the patch).

    Raises:
        InvalidArchiveError / UnsafeArchiveError: the result would break a rule
            of the format (``.issues`` lists every issue); ``dest`` is untouched.
        KFormatError: ``source`` is not a valid Keras file.
        KeyError, ValueError: see :func:`patch_archive`, and a layout that cannot
            hold the file (a weights-only file cannot become a ``.keras``).
        OSError: a path cannot be read or written.
    """
    from kformat._read import read
    from kformat._write import write
    from kformat.validate import iter_issues

    dest = Path(dest)
    kind = _layout_of(dest, layout)
    archive = read(source)
    if config_from is not None:
        model = read(config_from)
        if model.config is None:
            raise ValueError("config_from must be a .keras file or a model directory")
        archive = KerasArchive(
            model.config, model.metadata, archive.weights, archive.groups, model.assets
        )
    patched = patch_archive(
        archive,
        rename_layers=rename_layers,
        set_weights=set_weights,
        delete_weights=delete_weights,
        drop_optimizer=drop_optimizer,
        set_metadata=set_metadata,
    )
    if progress is not None:
        patched = KerasArchive(
            patched.config,
            patched.metadata,
            _Counted(patched.weights, progress),
            patched.groups,
            patched.assets,
            patched.layout,
        )
    scratch = _atomic.temp_path(dest)
    os.mkdir(scratch)
    try:
        staged = scratch / dest.name
        write(patched, staged, layout=kind, max_shard_size=max_shard_size)  # type: ignore[arg-type]
        issues = list(iter_issues(staged))
        errors = [i for i in issues if i.severity == "error"]
        if errors:
            _refuse(errors, issues)
        if kind in ("keras", "weights_h5"):
            with _atomic.destination_lock(dest):
                os.replace(staged, dest)
                _atomic.fsync_dir(_atomic.folder_of(dest))
        else:  # several names: the writer's own crash-safe swap (spec §10.5)
            write(read(staged), dest, layout=kind, max_shard_size=max_shard_size)  # type: ignore[arg-type]
    finally:
        _atomic.remove(scratch)
    return [i for i in issues if i.severity != "error"]


def _refuse(errors: list[Issue], issues: list[Issue]) -> None:
    from kformat._rules import RULES

    first = errors[0]
    unsafe = any(RULES[i.code].kind == "unsafe" for i in errors)
    cls = UnsafeArchiveError if unsafe else InvalidArchiveError
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise cls(
        f"patch refused, the result would break {first.code}: {first.message}{more}",
        member=first.member,
        path=first.path,
        code=first.code,
        issues=issues,
    )
