"""``kformat.read``: every layout into a ``KerasArchive`` (spec §2-§8).

The reader is total: any bytes either give an archive or raise a
``KFormatError`` naming the member and path. Nothing named in a file is
imported, executed, unpickled or opened outside the archive (or, for the
directory and sharded layouts, outside the folder that was given).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from kformat import _h5, _json
from kformat._archive import AssetMap, KerasArchive, WeightMap, _Source, weight_map_from_index
from kformat._files import read_small, regular_file, scan_asset_tree
from kformat._io import Budget, Buffer, Window, map_file, read_stream
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._rules import Sink
from kformat._sharded import parse_index
from kformat._weights_layout import root_problem
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
    archive = read_any(source, limits=limits)
    member = WEIGHTS if archive.layout in ("keras", "directory") else None
    windows = windows_group(archive.groups)
    if windows is not None:
        raise UnsupportedFeatureError(
            "weights saved by tf.keras 2.14/2.15 on Windows (backslashes in HDF5 group names): "
            "no Keras finds them; `kformat migrate IN OUT.keras` converts the file",
            member=member,
            path=windows,
            code="KF438",
        )
    return archive


def windows_group(groups: Iterable[str]) -> str | None:
    """The first group whose name holds a backslash: tf.keras 2.14/2.15 joined
    object paths with the Windows separator (spec KF438)."""
    return min((g for g in groups if "\\" in g), default=None)


def read_any(
    source: str | os.PathLike[str] | IO[bytes], *, limits: Limits | None = None
) -> KerasArchive:
    """:func:`read` without the refusal of Windows-saved paths (KF438), for the
    migration that converts them."""
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
    buf: Buffer, base: int, length: int, member: str, limits: Limits, decoded_before: int = 0
) -> tuple[dict[str, _Source], dict[str, dict[str, Any]]]:
    """Scan one HDF5 image at ``buf[base:base+length]``: its dataset sources and groups.

    Contiguous datasets stay views into ``buf``; the others are decoded now,
    within ``max_h5_decoded_bytes`` counted with ``decoded_before`` (earlier
    shards of the same model).
    """
    index, loaded = _h5.load(
        Window(buf, base, length),
        member=member,
        limits=limits,
        decode=True,
        decoded_before=decoded_before,
    )
    root = index.groups.get("/", {})
    if "model_config" in root or "layer_names" in root:
        raise UnsupportedFeatureError(
            "a legacy Keras HDF5 model (model.save('x.h5'), Keras 2.2-2.15), not a .keras "
            "weights file; `kformat migrate IN OUT.keras` converts it",
            member=member,
            code="KF413",
        )
    for path, info in index.datasets.items():
        if info.offset is not None and info.offset + info.nbytes > length:
            raise InvalidArchiveError(
                "dataset data runs past the end of the file",
                member=member,
                path=path,
                code="KF415",
            )
    return weight_map_from_index(index, buf, base, loaded), index.groups


def _weights_from(
    buf: Buffer, base: int, length: int, member: str, limits: Limits
) -> tuple[WeightMap, dict[str, dict[str, Any]]]:
    sources, groups = _scan_h5(buf, base, length, member, limits)
    return WeightMap(sources), groups


def _read_weights_h5(buf: Buffer, limits: Limits, *, member: str) -> KerasArchive:
    weights, groups = _weights_from(buf, 0, len(buf), member, limits)
    problem = root_problem(groups, weights)  # spec §7: Keras' root groups (KF437)
    if problem is not None:
        raise InvalidArchiveError(problem, member=member, path="/", code="KF437")
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
        # A DEFLATED weights member (not written by Keras) is inflated once into
        # an anonymous temporary file, charged to the inflate budget, and mapped:
        # never whole in memory (spec §2.5).
        data = zr.spool(WEIGHTS)
        weights, groups = _weights_from(data, 0, len(data), WEIGHTS, limits)
    names = []
    for m in zr:
        if m.name.startswith(ASSETS) and not m.is_dir:
            if m.file_size > limits.max_asset_bytes:
                raise UnsafeArchiveError(
                    f"asset is {m.file_size} bytes, above the limit of {limits.max_asset_bytes}",
                    member=m.name,
                    code="KF108",
                )
            names.append(m.name)
    # Assets are inflated when accessed, one at a time (spec §2.7).
    assets = AssetMap(names, lambda name: zr.read(name, max_bytes=limits.max_asset_bytes))
    return KerasArchive(config, metadata, weights, groups, assets, layout="keras")


def _read_directory(root: Path, limits: Limits) -> KerasArchive:
    entries = {e.name: e for e in os.scandir(root)}
    check_members(
        [n + ("/" if e.is_dir(follow_symlinks=False) else "") for n, e in entries.items()],
        Sink(),
        directory=True,
    )
    budget = Budget(limits.max_inflated_bytes)
    config = _parse_config(
        read_small(root / CONFIG, CONFIG, limits.max_config_bytes, budget, single_link=True),
        limits,
    )
    metadata = None
    if METADATA in entries:
        metadata = _parse_metadata(
            read_small(
                root / METADATA, METADATA, limits.max_metadata_bytes, budget, single_link=True
            ),
            limits,
        )
    regular_file(root / WEIGHTS, WEIGHTS, single_link=True)
    buf = map_file(root / WEIGHTS)
    weights, groups = _weights_from(buf, 0, len(buf), WEIGHTS, limits)
    assets: Mapping[str, bytes] = {}
    if "assets" in entries:
        files = scan_asset_tree(root, limits, budget)
        assets = AssetMap(
            files,
            lambda name: read_small(
                files[name], name, limits.max_asset_bytes, budget, single_link=True
            ),
        )
    return KerasArchive(config, metadata, weights, groups, assets, layout="directory")


def _read_sharded(index_path: Path, limits: Limits) -> KerasArchive:
    member = index_path.name
    data = read_small(index_path, member, limits.max_config_bytes)
    index = parse_index(data, member=member, limits=limits)
    folder = index_path.parent
    sources: dict[str, _Source] = {}
    groups: dict[str, dict[str, Any]] = {}
    owner: dict[str, str] = {}
    decoded = 0  # non-contiguous data decoded so far: one budget for all shards
    for shard in index.shard_names:
        try:
            regular_file(folder / shard, shard, code="KF603")
        except FileNotFoundError as exc:
            raise InvalidArchiveError(
                "shard file named by the index does not exist", member=shard, code="KF602"
            ) from exc
        buf = map_file(folder / shard)
        shard_sources, shard_groups = _scan_h5(buf, 0, len(buf), shard, limits, decoded)
        decoded += sum(s.info.nbytes for s in shard_sources.values() if s.loaded is not None)
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
