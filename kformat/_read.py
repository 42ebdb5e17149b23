"""``kformat.read``: every layout into a ``KerasArchive`` (spec §2-§8).

The reader is total: any bytes either give an archive or raise a
``KFormatError`` naming the member and path. Nothing named in a file is
imported, executed, unpickled or opened outside the archive (or, for the
directory and sharded layouts, outside the folder that was given).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np

from kformat import _h5, _json
from kformat._archive import KerasArchive, WeightMap, _Source, weight_map_from_index
from kformat._io import Buffer, Window, map_file, read_stream
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._rules import Sink
from kformat._sharded import parse_index
from kformat._zip import ZipReader
from kformat.errors import InvalidArchiveError, UnsafeArchiveError, UnsupportedFeatureError

__all__ = ["read"]

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
NPZ_WEIGHTS = "model.weights.npz"
ASSETS = "assets/"
# The Hugging Face upload path writes a model card beside the files (spec §2.8).
_IGNORED_IN_DIRECTORY = frozenset({"README.md"})
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def read(
    source: str | os.PathLike[str] | IO[bytes], *, limits: Limits | None = None
) -> KerasArchive:
    """Read a Keras model or weights file without Keras.

    Args:
        source: a ``.keras`` path or binary file object, an unzipped model
            directory, a ``.weights.h5`` file, or a sharded ``.weights.json``
            index (its shards must sit beside it).
        limits: caps on sizes and depths (``kformat.DEFAULT_LIMITS``).

    Returns:
        The archive; its weights are read-only views into the mapped file.

    Raises:
        KFormatError: the content is malformed (``InvalidArchiveError``),
            hostile (``UnsafeArchiveError``) or uses an unimplemented variant
            (``UnsupportedFeatureError``).
        OSError: the path does not exist or cannot be opened.
        TypeError: ``source`` is neither a path nor a binary file object.
    """
    limits = limits or DEFAULT_LIMITS
    if hasattr(source, "read"):
        try:
            buf = read_stream(source, limits.max_total_bytes)  # type: ignore[arg-type]
        except ValueError as exc:
            raise UnsafeArchiveError(str(exc), code="KF108") from exc
        return _read_zip(buf, limits)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            f"source must be a path or a binary file object, not {type(source).__name__}"
        )
    path = Path(source)
    if path.is_dir():
        return _read_directory(path, limits)
    name = path.name.lower()
    if name.endswith(".weights.json"):
        return _read_sharded(path, limits)
    buf = map_file(path)
    head = bytes(buf[:8])
    if head[:4] not in _ZIP_MAGIC and (
        head == _HDF5_MAGIC or name.endswith(".h5") or name.endswith(".hdf5")
    ):
        return _read_weights_h5(buf, limits, member=path.name)
    # Anything else is read as a zip: the central directory is found from the
    # end, so bytes before the first local header are allowed (spec §2.6), and
    # a file that is no zip at all fails there with KF101.
    return _read_zip(buf, limits)


def _scan_h5(
    buf: Buffer, base: int, length: int, member: str, limits: Limits
) -> tuple[dict[str, _Source], dict[str, dict[str, Any]]]:
    """Scan one HDF5 image at ``buf[base:base+length]``: its dataset sources and groups."""
    index = _h5.scan(Window(buf, base, length), member=member, limits=limits)
    root = index.groups.get("/", {})
    if "model_config" in root or "layer_names" in root:
        raise UnsupportedFeatureError(
            "legacy Keras HDF5 format (model.save('x.h5')); only the .keras weights layout "
            "is supported",
            member=member,
            code="KF413",
        )
    loaded: dict[str, np.ndarray[Any, Any]] = {}
    for path, info in index.datasets.items():
        if info.offset is not None:
            if info.offset + info.nbytes > length:
                raise InvalidArchiveError(
                    "dataset data runs past the end of the file",
                    member=member,
                    path=path,
                    code="KF415",
                )
        elif info.nbytes:
            loaded[path] = _h5.read_dataset(Window(buf, base, length), path, info, member=member)
    return weight_map_from_index(index, buf, base, loaded), index.groups


def _weights_from(
    buf: Buffer, base: int, length: int, member: str, limits: Limits
) -> tuple[WeightMap, dict[str, dict[str, Any]]]:
    sources, groups = _scan_h5(buf, base, length, member, limits)
    return WeightMap(sources), groups


def _read_weights_h5(buf: Buffer, limits: Limits, *, member: str) -> KerasArchive:
    weights, groups = _weights_from(buf, 0, len(buf), member, limits)
    return KerasArchive(
        config=None, metadata=None, weights=weights, groups=groups, layout="weights_h5"
    )


def _parse_config(data: bytes, limits: Limits) -> dict[str, Any]:
    doc = _json.parse(
        data,
        member=CONFIG,
        max_bytes=limits.max_config_bytes,
        max_depth=limits.max_json_depth,
        max_nodes=limits.max_json_nodes,
    )
    _reject_duplicates(doc, CONFIG)
    if not isinstance(doc.value, dict):
        raise InvalidArchiveError(
            "config.json must hold a JSON object", member=CONFIG, path="", code="KF207"
        )
    return doc.value


def _parse_metadata(data: bytes, limits: Limits) -> dict[str, Any]:
    doc = _json.parse(
        data,
        member=METADATA,
        max_bytes=limits.max_metadata_bytes,
        max_depth=limits.max_json_depth,
        max_nodes=limits.max_json_nodes,
    )
    _reject_duplicates(doc, METADATA)
    if not isinstance(doc.value, dict):
        raise InvalidArchiveError(
            "metadata.json must hold a JSON object", member=METADATA, path="", code="KF207"
        )
    return doc.value


def _reject_duplicates(doc: _json.JsonDocument, member: str) -> None:
    if doc.duplicate_keys:
        raise InvalidArchiveError(
            "duplicate key in a JSON object (which value is meant is ambiguous)",
            member=member,
            path=doc.duplicate_keys[0],
            code="KF205",
        )


def check_members(
    names: Iterable[str],
    sink: Sink,
    *,
    directory: bool = False,
    rejected: Iterable[str] = (),
) -> None:
    """The member rules of a ``.keras`` archive or model directory: npz weights
    refused (KF506), only known members (KF106), config.json and the weights
    present (KF102), metadata.json expected (KF112, a warning). ``rejected``
    members (already reported by the container checks) count as present but
    are not judged again."""
    names = list(names)
    present = set(names) | set(rejected)
    kind = "directory" if directory else "archive"
    if NPZ_WEIGHTS in names:
        sink.report(
            "KF506",
            "npz weights hold pickled object arrays and are refused; re-save the model with "
            "the default h5 weights format",
            member=NPZ_WEIGHTS,
        )
    for name in names:
        if name == NPZ_WEIGHTS:
            continue
        if directory:
            if name.rstrip("/") in (CONFIG, METADATA, WEIGHTS, "assets"):
                continue
            if name in _IGNORED_IN_DIRECTORY:
                continue
            sink.report(
                "KF106",
                "unexpected entry (a model directory holds metadata.json, config.json, "
                "model.weights.h5 and assets/)",
                member=name,
            )
        elif name not in (CONFIG, METADATA, WEIGHTS) and not name.startswith(ASSETS):
            sink.report(
                "KF106",
                "unexpected member (a .keras archive holds metadata.json, config.json, "
                "model.weights.h5 and assets/...)",
                member=name,
            )
    if CONFIG not in present:
        sink.report("KF102", f"{kind} has no config.json", member=CONFIG)
    if WEIGHTS not in present and NPZ_WEIGHTS not in present:
        sink.report("KF102", f"{kind} has no model.weights.h5", member=WEIGHTS)
    if METADATA not in present:
        sink.report(
            "KF112", f"{kind} has no metadata.json (Keras always writes it)", member=METADATA
        )


def _read_zip(buf: Buffer, limits: Limits) -> KerasArchive:
    zr = ZipReader(buf, limits=limits)
    check_members(zr.members, Sink())
    config = _parse_config(zr.read(CONFIG, max_bytes=limits.max_config_bytes, code="KF204"), limits)
    metadata = None
    if METADATA in zr.members:
        metadata = _parse_metadata(
            zr.read(METADATA, max_bytes=limits.max_metadata_bytes, code="KF204"), limits
        )
    stored = zr.stored_range(WEIGHTS)
    if stored is not None:
        weights, groups = _weights_from(buf, stored[0], stored[1], WEIGHTS, limits)
    else:
        # A DEFLATED weights member (not written by Keras) is inflated once, capped.
        data = zr.read(WEIGHTS, max_bytes=limits.max_total_bytes)
        weights, groups = _weights_from(data, 0, len(data), WEIGHTS, limits)
    assets = {
        m.name: zr.read(m.name, max_bytes=limits.max_asset_bytes)
        for m in zr
        if m.name.startswith(ASSETS) and not m.is_dir
    }
    return KerasArchive(config, metadata, weights, groups, assets, layout="keras")


def _regular_file(path: Path, member: str, code: str = "KF105") -> os.stat_result:
    """lstat ``path`` and refuse anything but a regular file (no symlinks)."""
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeArchiveError(
            "symbolic link (links may point outside the model)", member=member, code=code
        )
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeArchiveError("not a regular file", member=member, code=code)
    return st


def _read_small(path: Path, member: str, max_bytes: int) -> bytes:
    st = _regular_file(path, member)
    if st.st_size > max_bytes:
        raise UnsafeArchiveError(
            f"file is {st.st_size} bytes, above the limit of {max_bytes}",
            member=member,
            code="KF108",
        )
    with open(path, "rb") as f:
        return f.read(max_bytes + 1)


def _read_directory(root: Path, limits: Limits) -> KerasArchive:
    entries = {e.name: e for e in os.scandir(root)}
    check_members(
        [n + ("/" if e.is_dir(follow_symlinks=False) else "") for n, e in entries.items()],
        Sink(),
        directory=True,
    )
    config = _parse_config(_read_small(root / CONFIG, CONFIG, limits.max_config_bytes), limits)
    metadata = None
    if METADATA in entries:
        metadata = _parse_metadata(
            _read_small(root / METADATA, METADATA, limits.max_metadata_bytes), limits
        )
    _regular_file(root / WEIGHTS, WEIGHTS)
    buf = map_file(root / WEIGHTS)
    weights, groups = _weights_from(buf, 0, len(buf), WEIGHTS, limits)
    assets = _read_asset_tree(root, limits) if "assets" in entries else {}
    return KerasArchive(config, metadata, weights, groups, assets, layout="directory")


def _read_asset_tree(root: Path, limits: Limits) -> dict[str, bytes]:
    top = root / "assets"
    st = top.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise UnsafeArchiveError(
            "assets must be a real directory, not a link or file", member="assets/", code="KF105"
        )
    assets: dict[str, bytes] = {}
    total = 0
    stack = [(top, "assets/")]
    while stack:
        folder, prefix = stack.pop()
        for entry in os.scandir(folder):
            member = prefix + entry.name
            if entry.is_symlink():
                raise UnsafeArchiveError(
                    "symbolic link inside assets/", member=member, code="KF105"
                )
            if entry.is_dir(follow_symlinks=False):
                if member.count("/") > limits.max_h5_depth:
                    raise UnsafeArchiveError("assets nested too deep", member=member, code="KF108")
                stack.append((Path(entry.path), member + "/"))
                continue
            data = _read_small(Path(entry.path), member, limits.max_asset_bytes)
            total += len(data)
            if total > limits.max_total_bytes or len(assets) >= limits.max_members:
                raise UnsafeArchiveError(
                    "assets exceed the archive limits", member=member, code="KF108"
                )
            assets[member] = data
    return dict(sorted(assets.items()))


def _read_sharded(index_path: Path, limits: Limits) -> KerasArchive:
    member = index_path.name
    data = _read_small(index_path, member, limits.max_config_bytes)
    index = parse_index(data, member=member, limits=limits)
    folder = index_path.parent
    sources: dict[str, _Source] = {}
    groups: dict[str, dict[str, Any]] = {}
    owner: dict[str, str] = {}
    for shard in index.shard_names:
        try:
            _regular_file(folder / shard, shard, code="KF603")
        except FileNotFoundError as exc:
            raise InvalidArchiveError(
                "shard file named by the index does not exist", member=shard, code="KF602"
            ) from exc
        buf = map_file(folder / shard)
        shard_sources, shard_groups = _scan_h5(buf, 0, len(buf), shard, limits)
        for gpath, attrs in shard_groups.items():
            # The writer may leave a layer's vars group empty in one shard and
            # re-create it without attributes in the next (spec §8.3): merge.
            merged = groups.setdefault(gpath, {})
            for key, value in attrs.items():
                merged.setdefault(key, value)
        for dpath, src in shard_sources.items():
            gpath = dpath.rsplit("/", 1)[0]
            if shard not in index.weight_map.get(gpath, ()):
                raise InvalidArchiveError(
                    f"dataset is in shard {shard!r}, which the index does not list for {gpath}",
                    member=shard,
                    path=dpath,
                    code="KF604",
                )
            if dpath in sources:
                raise InvalidArchiveError(
                    f"dataset is stored in both {owner[dpath]!r} and {shard!r}",
                    member=shard,
                    path=dpath,
                    code="KF606",
                )
            sources[dpath] = src
            owner[dpath] = shard
    held = {d.rsplit("/", 1)[0] for d in sources}
    for gpath in index.weight_map:
        if gpath not in held:
            raise InvalidArchiveError(
                "the index lists this group but no shard holds datasets in it",
                member=member,
                path=_json.pointer(["weight_map", gpath]),
                code="KF605",
            )
    return KerasArchive(
        None, None, WeightMap(sources), dict(sorted(groups.items())), layout="sharded"
    )
