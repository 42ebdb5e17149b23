"""``kformat.write``: every layout, byte-deterministic and crash-safe (spec §10).

Crash-safe means an error, a kill or a power loss mid-write leaves at ``dest``
either the complete old or the complete new content, never a part or a mix:
everything is written under scratch names beside ``dest`` (kformat._atomic)
and swapped into place by atomic renames, the index of a sharded write last.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from kformat import _atomic, _h5, _json
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
        with _locked(path), _atomic_file(path) as f:
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
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The JSON members and the asset member names, in Keras' order (spec §2.2)."""
    head = [
        (METADATA, _json.dump(_metadata(archive, date_saved))),
        (CONFIG, _json.dump(archive.config)),
    ]
    # Names only: a read archive's assets are inflated on access (spec §2.6), so
    # each is fetched as it is written and never all of them at once.
    return head, sorted(archive.assets)


def _write_keras_zip(
    f: IO[bytes], archive: KerasArchive, date_saved: str | _dt.datetime | None
) -> None:
    """metadata.json, config.json, model.weights.h5 (streamed by HDF5), assets."""
    head, assets = _model_members(archive, date_saved)
    zw = ZipStreamWriter(f)
    for name, data in head:
        zw.add(name, data)
    zw.add_streamed(WEIGHTS, lambda region: _h5.write_h5(region, archive.weights, archive.groups))
    for name in assets:
        zw.add(name, bytes(archive.assets[name]))
    zw.close()


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A scratch file beside ``path`` that replaces it only on success (spec §10.5).

    The data is fsynced before the rename and the folder after it, so once
    this returns the new file survives a power loss as well as a kill.
    """
    tmp = _atomic.temp_path(path)
    try:
        with _atomic.new_file(tmp) as f:
            yield f
            _atomic.sync_file(f)
        os.replace(tmp, path)
    except BaseException:
        _atomic.remove(tmp)
        raise
    _atomic.fsync_dir(_atomic.folder_of(path))


@contextlib.contextmanager
def _locked(dest: Path) -> Iterator[None]:
    """Hold ``dest``'s writer lock and clear what killed writers left behind."""
    with _atomic.destination_lock(dest) as exclusive:
        if exclusive:
            _atomic.sweep(dest)
        yield


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
    path = _as_path(dest)
    with _locked(path), _atomic_file(path) as f:
        _write_keras_zip(f, archive, date_saved)


def _write_directory(
    head: list[tuple[str, bytes]],
    archive: KerasArchive,
    assets: list[str],
    dest: Path,
) -> None:
    """Build the tree under a scratch name, then swap it in (spec §10.5)."""
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"{dest} exists and is not a directory")
    with _atomic.destination_lock(dest) as exclusive:
        if exclusive:
            _atomic.recover_directory(dest)
            _atomic.sweep(dest)
        tmp = _atomic.temp_path(dest)
        try:
            os.mkdir(tmp)
            _fill_directory(tmp, head, archive, assets)
        except BaseException:
            _atomic.remove(tmp)
            raise
        _swap_in_directory(tmp, dest)


def _fill_directory(
    tmp: Path,
    head: list[tuple[str, bytes]],
    archive: KerasArchive,
    assets: list[str],
) -> None:
    folders = {tmp}

    def put(name: str, data: bytes) -> None:
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        folders.update(p for p in target.parents if tmp in p.parents or p == tmp)
        with _atomic.new_file(target) as f:
            f.write(data)
            _atomic.sync_file(f)

    for name, data in head:
        put(name, data)
    for name in assets:
        put(name, bytes(archive.assets[name]))
    with _atomic.new_file(tmp / WEIGHTS) as f:
        _h5.write_h5(f, archive.weights, archive.groups)
        _atomic.sync_file(f)
    # Deepest first, so every entry is durable before the name that holds it.
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        _atomic.fsync_dir(folder)


def _swap_in_directory(tmp: Path, dest: Path) -> None:
    """Replace ``dest`` by the finished tree ``tmp`` so that ``dest`` always exists.

    With an atomic exchange (Linux ``renameat2``, macOS ``renamex_np``) the old
    tree ends up at the scratch name and is removed. Without one, the old tree
    is renamed aside first; a kill between the two renames leaves ``dest``
    absent with the complete old tree aside, which the next write to ``dest``
    puts back before anything else (:func:`kformat._atomic.recover_directory`).
    """
    folder = _atomic.folder_of(dest)
    if not os.path.lexists(dest):
        os.rename(tmp, dest)
        _atomic.fsync_dir(folder)
        return
    if _atomic.exchange(tmp, dest):
        _atomic.fsync_dir(folder)
        _atomic.remove(tmp)
        return
    aside = _atomic.aside_path(dest)
    os.rename(dest, aside)
    os.rename(tmp, dest)
    _atomic.fsync_dir(folder)
    _atomic.remove(aside)


def _write_sharded(
    weights: Mapping[str, np.ndarray[Any, Any]],
    groups: Mapping[str, Mapping[str, Any]],
    dest: Path,
    max_shard_size: float,
) -> None:
    """Write shards and index so that a kill never mixes two generations (spec §10.5).

    1. the new shards under interim names no index lists, fsynced;
    2. an interim index naming them replaces the old index (atomic rename);
    3. the old generation's shards go; each shard gets its Keras name
       ``<base>_NNNNN.weights.h5`` as a hard link (or a copy) of its interim file;
    4. the final index, naming those, replaces the interim one; the interim
       files go.
    At every point the index on disk lists a complete set of shards of one
    generation, and a finished write is byte-identical to a first write.
    """
    base = (
        dest.name[: -len(".weights.json")]
        if dest.name.lower().endswith(".weights.json")
        else dest.stem
    )
    plan = plan_shards(weights, groups, base=base, max_shard_size=max_shard_size)
    folder = _atomic.folder_of(dest)
    final = [f"{base}_{i:05}.weights.h5" for i in range(len(plan.shards))]
    with _atomic.destination_lock(dest) as exclusive:
        old = _previous_shards(dest)
        if exclusive:
            _atomic.sweep(dest, keep=old)
        stem = _atomic.temp_path(dest).name
        interim = [f"{stem}_{i:05}.weights.h5" for i in range(len(plan.shards))]
        try:
            for name, (shard_weights, shard_groups) in zip(interim, plan.shards, strict=True):
                with _atomic.new_file(folder / name) as f:
                    _h5.write_h5(f, shard_weights, shard_groups)
                    _atomic.sync_file(f)
            _atomic.fsync_dir(folder)
            _write_index(dest, _renamed(plan.index, dict(zip(final, interim, strict=True))))
        except BaseException:
            for name in interim:
                _atomic.remove(folder / name)
            raise
        # The interim generation is now the live one; old names are free.
        leftovers = old | (_keras_named(folder, base) if old and _all_interim(dest, old) else set())
        for name in sorted(leftovers - set(interim)):
            _atomic.remove(folder / name)
        for name, target in zip(interim, final, strict=True):
            _link_or_copy(folder / name, folder / target, dest)
        _atomic.fsync_dir(folder)
        _write_index(dest, plan.index)
        for name in interim:
            _atomic.remove(folder / name)


def _write_index(dest: Path, index: Mapping[str, Any]) -> None:
    # Keras writes the index with indent=4 (saving_lib.py ShardedH5IOStore).
    with _atomic_file(dest) as f:
        f.write(json.dumps(index, indent=4).encode("ascii"))


def _renamed(index: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    weight_map = {k: [names[s] for s in v] for k, v in index["weight_map"].items()}
    return {**index, "weight_map": weight_map}


def _link_or_copy(src: Path, target: Path, dest: Path) -> None:
    """Give ``src`` the second name ``target``, replacing whatever is there."""
    tmp = _atomic.temp_path(dest)
    try:
        try:
            os.link(src, tmp)
        except OSError:  # no hard links on this file system (FAT, some shares)
            with open(src, "rb") as f, _atomic.new_file(tmp) as g:
                shutil.copyfileobj(f, g)
                _atomic.sync_file(g)
        os.replace(tmp, target)
    except BaseException:
        _atomic.remove(tmp)
        raise


def _all_interim(dest: Path, names: set[str]) -> bool:
    prefix = f".{dest.name}.kformat-tmp-"
    return all(n.startswith(prefix) for n in names)


def _keras_named(folder: Path, base: str) -> set[str]:
    """Files named as Keras names this index's shards. Removed only after an
    interrupted write, whose index lists interim names: then these are the
    generation that write had already begun to replace."""
    pattern = re.compile(re.escape(base) + r"_\d{5,}\.weights\.h5")
    return {n for n in os.listdir(folder) if pattern.fullmatch(n)}


def _previous_shards(dest: Path) -> set[str]:
    """Shard names an existing index at ``dest`` lists (removed if now unused)."""
    try:
        data = dest.read_bytes()
        return set(parse_index(data, member=dest.name, limits=DEFAULT_LIMITS).shard_names)
    except (OSError, KFormatError):
        return set()
