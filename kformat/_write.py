"""``kformat.write``: every layout, byte-deterministic and atomic (spec §10).

Atomic means a crash or an error mid-write never leaves a partial file at
``dest`` and never damages an existing one: everything is written to a
temporary name beside ``dest`` and moved into place with ``os.replace``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from kformat import _h5, _json
from kformat._archive import LAYOUTS, KerasArchive, Layout
from kformat._limits import DEFAULT_LIMITS
from kformat._read import CONFIG, METADATA, WEIGHTS
from kformat._sharded import parse_index, plan_shards
from kformat._zipwrite import ZipStreamWriter
from kformat.errors import KFormatError

__all__ = ["KERAS_VERSION", "write"]

#: The Keras release whose layout kformat writes; recorded in metadata.json
#: when the archive carries no metadata of its own.
KERAS_VERSION = "3.15.1"
_DATE_FORMAT = "%Y-%m-%d@%H:%M:%S"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}$")


def write(
    archive: KerasArchive,
    dest: str | os.PathLike[str] | IO[bytes],
    *,
    layout: Layout | None = None,
    max_shard_size: float | None = None,
    date_saved: str | _dt.datetime | None = None,
) -> None:
    """Write ``archive`` to ``dest`` in one of the Keras layouts.

    Args:
        archive: what to write (e.g. from :func:`kformat.read`).
        dest: a path, or a binary file object for the ``"keras"`` layout.
        layout: ``"keras"`` (zip), ``"directory"``, ``"weights_h5"`` or
            ``"sharded"``; by default from the name: ``*.keras``,
            ``*.weights.h5``, ``*.weights.json``, else a directory.
        max_shard_size: GiB per shard, required for ``"sharded"``.
        date_saved: ``metadata.json``'s ``date_saved`` (a datetime or
            ``YYYY-MM-DD@HH:MM:SS``); by default the archive's own, else
            ``SOURCE_DATE_EPOCH`` when set, else now.

    Raises:
        ValueError: the layout cannot hold this archive or the arguments
            are inconsistent.
        TypeError: a value in the config is not JSON-serializable.
    """
    if not isinstance(archive, KerasArchive):
        raise TypeError(f"archive must be a KerasArchive, not {type(archive).__name__}")
    kind = _resolve_layout(dest, layout)
    if kind == "sharded" and max_shard_size is None:
        raise ValueError("the sharded layout needs max_shard_size (GiB per shard)")
    if kind != "sharded" and max_shard_size is not None:
        raise ValueError("max_shard_size only applies to the sharded (.weights.json) layout")
    weights = archive.weights
    groups = archive.groups
    if kind in ("keras", "directory"):
        if archive.config is None:
            raise ValueError(f"a weights-only archive cannot be written as the {kind!r} layout")
        if kind == "keras":
            _write_zip_dest(archive, dest, date_saved)
        else:
            head, assets = _model_members(archive, date_saved)
            _write_directory(head, archive, assets, _as_path(dest))
    elif kind == "weights_h5":
        path = _as_path(dest)
        with _atomic_file(path) as f:
            _h5.write_h5(f, weights, groups)
    else:
        assert max_shard_size is not None
        _write_sharded(weights, groups, _as_path(dest), max_shard_size)


def _resolve_layout(dest: object, layout: Layout | None) -> str:
    if layout is not None:
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
        if hasattr(dest, "write") and layout != "keras":
            raise ValueError("only the 'keras' layout can be written to a file object")
        return layout
    if hasattr(dest, "write"):
        return "keras"
    if not isinstance(dest, (str, os.PathLike)):
        raise TypeError(f"dest must be a path or a binary file object, not {type(dest).__name__}")
    name = Path(dest).name.lower()
    if name.endswith(".keras"):
        return "keras"
    if name.endswith(".weights.h5"):
        return "weights_h5"
    if name.endswith(".weights.json"):
        return "sharded"
    if Path(dest).is_dir() or "." not in name:
        return "directory"
    raise ValueError(
        f"cannot tell the layout from {Path(dest).name!r}; name it *.keras, *.weights.h5, "
        "*.weights.json or pass layout="
    )


def _as_path(dest: object) -> Path:
    if not isinstance(dest, (str, os.PathLike)):
        raise ValueError("this layout must be written to a path, not a file object")
    return Path(dest)


def _metadata(archive: KerasArchive, date_saved: str | _dt.datetime | None) -> dict[str, Any]:
    meta = (
        dict(archive.metadata) if archive.metadata is not None else {"keras_version": KERAS_VERSION}
    )
    if date_saved is not None:
        meta["date_saved"] = _format_date(date_saved)
    elif "date_saved" not in meta:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        when = (
            _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).replace(tzinfo=None)
            if epoch and epoch.isdigit()
            else _dt.datetime.now()
        )
        meta["date_saved"] = when.strftime(_DATE_FORMAT)
    return meta


def _format_date(value: str | _dt.datetime) -> str:
    if isinstance(value, _dt.datetime):
        return value.strftime(_DATE_FORMAT)
    if isinstance(value, str) and _DATE_RE.match(value):
        return value
    raise ValueError(f"date_saved must be a datetime or 'YYYY-MM-DD@HH:MM:SS', got {value!r}")


def _model_members(
    archive: KerasArchive, date_saved: str | _dt.datetime | None
) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """The JSON members and the asset members, in Keras' order (spec §2.2)."""
    head = [
        (METADATA, _json.dump(_metadata(archive, date_saved))),
        (CONFIG, _json.dump(archive.config)),
    ]
    assets = [(name, bytes(data)) for name, data in sorted(archive.assets.items())]
    return head, assets


def _write_keras_zip(
    f: IO[bytes], archive: KerasArchive, date_saved: str | _dt.datetime | None
) -> None:
    """metadata.json, config.json, model.weights.h5 (streamed by HDF5), assets."""
    head, assets = _model_members(archive, date_saved)
    zw = ZipStreamWriter(f)
    for name, data in head:
        zw.add(name, data)
    zw.add_streamed(WEIGHTS, lambda region: _h5.write_h5(region, archive.weights, archive.groups))
    for name, data in assets:
        zw.add(name, data)
    zw.close()


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A temporary file beside ``path`` that replaces it only on success."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w+b") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_zip_dest(
    archive: KerasArchive, dest: object, date_saved: str | _dt.datetime | None
) -> None:
    if hasattr(dest, "write"):
        fileobj: Any = dest
        usable = all(getattr(fileobj, m, lambda: False)() for m in ("seekable", "readable"))
        if usable and fileobj.tell() == 0:
            _write_keras_zip(fileobj, archive, date_saved)
        else:  # write-only or positioned streams get a finished image
            buf = io.BytesIO()
            _write_keras_zip(buf, archive, date_saved)
            fileobj.write(buf.getvalue())
        return
    with _atomic_file(_as_path(dest)) as f:
        _write_keras_zip(f, archive, date_saved)


def _write_directory(
    head: list[tuple[str, bytes]],
    archive: KerasArchive,
    assets: list[tuple[str, bytes]],
    dest: Path,
) -> None:
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"{dest} exists and is not a directory")
    parent = dest.parent if str(dest.parent) else Path(".")
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=parent))
    try:
        for name, data in [*head, *assets]:
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        with open(tmp / WEIGHTS, "w+b") as f:
            _h5.write_h5(f, archive.weights, archive.groups)
            f.flush()
            os.fsync(f.fileno())
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=parent))
            os.replace(dest, old / "previous")
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_sharded(
    weights: Mapping[str, np.ndarray[Any, Any]],
    groups: Mapping[str, Mapping[str, Any]],
    dest: Path,
    max_shard_size: float,
) -> None:
    base = (
        dest.name[: -len(".weights.json")]
        if dest.name.lower().endswith(".weights.json")
        else dest.stem
    )
    plan = plan_shards(weights, groups, base=base, max_shard_size=max_shard_size)
    folder = dest.parent if str(dest.parent) else Path(".")
    stale = _previous_shards(dest)
    written: list[str] = []
    for i, (shard_weights, shard_groups) in enumerate(plan.shards):
        name = f"{base}_{i:05}.weights.h5"
        with _atomic_file(folder / name) as f:
            _h5.write_h5(f, shard_weights, shard_groups)
        written.append(name)
    # Keras writes the index with indent=4 (saving_lib.py ShardedH5IOStore).
    with _atomic_file(dest) as f:
        f.write(json.dumps(plan.index, indent=4).encode("ascii"))
    for name in stale - set(written):
        with contextlib.suppress(OSError):
            (folder / name).unlink()


def _previous_shards(dest: Path) -> set[str]:
    """Shard names an existing index at ``dest`` lists (removed if now unused)."""
    try:
        data = dest.read_bytes()
        return set(parse_index(data, member=dest.name, limits=DEFAULT_LIMITS).shard_names)
    except (OSError, KFormatError):
        return set()
