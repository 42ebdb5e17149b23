"""HDF5 weights files: the safe walk, the dataset index, and writing (spec §6, rules KF4xx).

This is the only module that imports h5py; no h5py object leaves it. The walk
follows hard links only, refuses soft and external links on every path
component, external and virtual storage and filter plugins, and checks each
dataset's declared size against the bytes actually stored *before* any data
is read (keras-team/keras: keras/src/saving/saving_lib.py ``safe_get_h5_*``
does the same on the paths Keras visits; kformat does it for every object).
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Iterator, Mapping
from typing import IO, Any, NoReturn

import h5py
import numpy as np

from kformat._limits import Limits
from kformat._rules import Sink
from kformat.errors import InvalidArchiveError, KFormatError, UnsupportedFeatureError

__all__ = ["DatasetInfo", "H5Index", "read_dataset", "scan", "write_h5"]

# Opaque HDF5 types carry the ml_dtypes name in a ``dtype`` attribute (Keras
# does this for bfloat16, saving_lib.py H5IOStore.__setitem__).
# ml_dtypes is a declared dependency, but the core still imports and reads
# plain float models without it (the runtime's "numpy, h5py, jsonschema only"
# promise); only files that need an extended type then ask for it.
try:
    import ml_dtypes
except ImportError:  # pragma: no cover - exercised in a subprocess test
    ml_dtypes = None  # type: ignore[assignment]
EXTENDED_NAMES = (
    "bfloat16",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e4m3b11fnuz",
    "int4",
    "uint4",
)
EXTENDED_DTYPES: dict[str, np.dtype[Any]] = {
    name: np.dtype(getattr(ml_dtypes, name))
    for name in EXTENDED_NAMES
    if ml_dtypes is not None and hasattr(ml_dtypes, name)
}
# Filters compiled into every HDF5 library: deflate, shuffle, fletcher32.
_BUILTIN_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32"}
_NUMERIC_KINDS = "biufc"
_MAX_ATTRS = 64
_MAX_ATTR_BYTES = 64 * 1024
# Chunked/compressed datasets may legitimately compress well; beyond this
# ratio (and 1 MiB) a declared size is treated as a bomb (Keras: 1000x).
_MAX_FILTER_RATIO = 1000


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What the index knows of one dataset without reading its data.

    Attributes:
        shape: the dataset shape (``()`` for scalars).
        dtype: the logical NumPy dtype (bfloat16 etc. as ml_dtypes types).
        offset: byte offset of the data from the start of the HDF5 image,
            for contiguous unfiltered datasets; ``None`` otherwise.
        layout: ``"contiguous"``, ``"chunked"`` or ``"compact"``.
        storage_bytes: bytes HDF5 reports as stored.
        attrs: dataset attributes other than the dtype marker.
    """

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    offset: int | None
    layout: str
    storage_bytes: int
    attrs: Mapping[str, Any]

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


@dataclasses.dataclass
class H5Index:
    """Every group (with attributes) and dataset of a weights file."""

    groups: dict[str, dict[str, Any]]
    datasets: dict[str, DatasetInfo]
    readable: bool = True


class _Skip(Exception):
    """Raised inside the walk after a collecting sink took a problem: the
    object is left out and the walk goes on."""


def _fail(sink: Sink, code: str, message: str, member: str, path: str) -> NoReturn:
    sink.report(code, message, member=member, path=path)
    raise _Skip


def _read_attrs(obj: Any, member: str, path: str, sink: Sink) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    names = list(obj.attrs)
    if len(names) > _MAX_ATTRS:
        _fail(sink, "KF414", f"{len(names)} attributes, above {_MAX_ATTRS}", member, path)
    for key in names:
        aid = obj.attrs.get_id(key)
        if aid.get_storage_size() > _MAX_ATTR_BYTES:
            _fail(sink, "KF414", f"attribute {key!r} is too large", member, path)
        value = obj.attrs[key]
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                _fail(sink, "KF414", f"attribute {key!r} is not UTF-8 text", member, path)
        elif isinstance(value, np.ndarray) and value.dtype.kind not in _NUMERIC_KINDS:
            _fail(
                sink, "KF414", f"attribute {key!r} has unsupported type {value.dtype}", member, path
            )
        elif not isinstance(value, (str, np.generic, np.ndarray)):
            _fail(
                sink,
                "KF414",
                f"attribute {key!r} has unsupported type {type(value).__name__}",
                member,
                path,
            )
        attrs[key] = value
    return attrs


def _logical_dtype(
    dset: Any, attrs: dict[str, Any], member: str, path: str, sink: Sink
) -> np.dtype[Any]:
    dtype: np.dtype[Any] = dset.dtype
    if dtype.kind == "V" and dtype.fields is None and dtype.subdtype is None:
        name = attrs.pop("dtype", None)
        if name is None:
            # Keras 3.0.0-3.0.4 wrote bfloat16 as bare opaque data without the
            # marker (spec §6.3): keep the raw bytes as a void dtype, losslessly;
            # the layer's dtype in config.json says how to view them.
            return dtype
        ext = EXTENDED_DTYPES.get(name) if isinstance(name, str) else None
        if ext is None and ml_dtypes is None and name in EXTENDED_NAMES:
            raise UnsupportedFeatureError(
                f"{name} weights need the ml_dtypes package (pip install ml_dtypes)",
                member=member,
                path=path,
                code="KF408",
            )
        if ext is None or ext.itemsize != dtype.itemsize:
            _fail(
                sink,
                "KF408",
                f"opaque {dtype.itemsize}-byte data without a known 'dtype' attribute "
                f"(got {name!r}); expected one of {sorted(EXTENDED_DTYPES)}",
                member,
                path,
            )
        return ext
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        _fail(
            sink,
            "KF408",
            f"dataset type {dtype} is not numeric (strings, references, compound and "
            "variable-length types are not weights)",
            member,
            path,
        )
    if h5py.check_vlen_dtype(dtype) is not None or h5py.check_string_dtype(dtype) is not None:
        _fail(sink, "KF408", f"dataset type {dtype} is variable-length", member, path)
    return dtype


def _dataset_info(dset: Any, member: str, path: str, limits: Limits, sink: Sink) -> DatasetInfo:
    dcpl = dset.id.get_create_plist()
    layout_code = dcpl.get_layout()
    if layout_code == h5py.h5d.VIRTUAL:
        _fail(sink, "KF406", "virtual dataset (maps other files)", member, path)
    if dcpl.get_external_count() > 0:
        _fail(sink, "KF405", "dataset stores its data in an external file", member, path)
    filters = [dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())]
    for fid in filters:
        if fid not in _BUILTIN_FILTERS:
            _fail(
                sink,
                "KF407",
                f"dataset uses HDF5 filter {fid}, which is not a built-in filter "
                f"({', '.join(_BUILTIN_FILTERS.values())})",
                member,
                path,
            )
    if dset.shape is None:
        _fail(sink, "KF408", "dataset has a null dataspace", member, path)
    attrs = _read_attrs(dset, member, path, sink)
    dtype = _logical_dtype(dset, attrs, member, path, sink)
    shape = tuple(int(d) for d in dset.shape)
    declared = math.prod(shape) * dtype.itemsize
    if declared > limits.max_dataset_bytes:
        _fail(
            sink,
            "KF410",
            f"dataset declares {declared} bytes, above the limit of {limits.max_dataset_bytes}",
            member,
            path,
        )
    stored = int(dset.id.get_storage_size())
    offset: int | None = None
    if layout_code == h5py.h5d.CONTIGUOUS:
        layout = "contiguous"
        if declared and stored != declared:
            _fail(
                sink,
                "KF409",
                f"dataset declares {declared} bytes but stores {stored}",
                member,
                path,
            )
        if declared:
            offset = dset.id.get_offset()
            if offset is None:
                _fail(sink, "KF409", "dataset data was never written", member, path)
    elif layout_code == h5py.h5d.CHUNKED:
        layout = "chunked"
        if declared > max(stored * _MAX_FILTER_RATIO, 1 << 20):
            _fail(
                sink,
                "KF409",
                f"dataset declares {declared} bytes but stores only {stored}",
                member,
                path,
            )
    elif layout_code == h5py.h5d.COMPACT:
        layout = "compact"
    else:
        _fail(sink, "KF401", f"unknown dataset layout {layout_code}", member, path)
    return DatasetInfo(shape, dtype, offset, layout, stored, attrs)


def _children(group: Any, member: str, path: str, sink: Sink) -> Iterator[tuple[str, str]]:
    """Yield ``(name, child path)`` of the plain hard links of ``group``; every
    other link is reported (and skipped when the sink collects)."""
    names: list[bytes] = []
    group.id.links.iterate(lambda name: names.append(name))
    for raw_name in names:
        name = raw_name.decode("utf-8", errors="replace")
        child = f"{path.rstrip('/')}/{name}"
        try:
            if "/" in name or name in ("", ".", ".."):
                _fail(sink, "KF404", f"invalid link name {name!r}", member, child)
            kind = group.id.links.get_info(raw_name).type
            if kind == h5py.h5l.TYPE_SOFT:
                _fail(sink, "KF402", "soft link (only hard links are allowed)", member, child)
            if kind == h5py.h5l.TYPE_EXTERNAL:
                _fail(sink, "KF403", "external link to another file", member, child)
            if kind != h5py.h5l.TYPE_HARD:
                _fail(sink, "KF404", f"user-defined link type {kind}", member, child)
        except _Skip:
            continue
        yield name, child


def scan(
    fileobj: IO[bytes] | io.RawIOBase,
    *,
    member: str,
    limits: Limits,
    sink: Sink | None = None,
) -> H5Index:
    """Walk a whole HDF5 file and index it, reading no dataset data.

    With a collecting ``sink`` every problem is reported and the offending
    object (and, for a group, what lies below it) is left out of the index;
    ``H5Index.readable`` is ``False`` when the file could not be opened.

    Raises:
        InvalidArchiveError: not HDF5, or a forbidden object or type.
        UnsafeArchiveError: links, external/virtual storage, size bombs.
    """
    sink = sink or Sink()
    index = H5Index(groups={}, datasets={})
    try:
        f = h5py.File(fileobj, "r")
    except Exception as exc:  # h5py raises OSError/ValueError/KeyError...
        sink.report("KF401", f"not a readable HDF5 file: {exc}", member=member)
        index.readable = False
        return index
    seen: set[Any] = set()
    count = 0
    with f:
        try:
            root_attrs = _read_attrs(f, member, "/", sink)
            if root_attrs:
                index.groups["/"] = root_attrs
        except _Skip:
            pass
        except KFormatError:
            raise
        except Exception as exc:
            sink.report("KF401", f"unreadable HDF5 object: {exc}", member=member, path="/")
        stack: list[tuple[Any, str, int]] = [(f, "/", 0)]
        while stack:
            group, gpath, depth = stack.pop()
            try:
                children = list(_children(group, member, gpath, sink))
            except KFormatError:
                raise
            except Exception as exc:
                sink.report("KF401", f"unreadable HDF5 group: {exc}", member=member, path=gpath)
                continue
            for name, path in children:
                count += 1
                if count > limits.max_h5_objects:
                    sink.report(
                        "KF411", f"more than {limits.max_h5_objects} HDF5 objects", member=member
                    )
                    return index
                try:
                    _visit(group, name, path, depth, member, limits, sink, index, seen, stack)
                except _Skip:
                    continue
                except KFormatError:
                    raise
                except Exception as exc:
                    sink.report("KF401", f"unreadable HDF5 object: {exc}", member=member, path=path)
    total = sum(info.nbytes for info in index.datasets.values())
    if total > limits.max_total_bytes:
        sink.report(
            "KF410",
            f"datasets declare {total} bytes in all, above the limit of {limits.max_total_bytes}",
            member=member,
        )
    index.groups = dict(sorted(index.groups.items()))
    index.datasets = dict(sorted(index.datasets.items()))
    return index


def _visit(
    group: Any,
    name: str,
    path: str,
    depth: int,
    member: str,
    limits: Limits,
    sink: Sink,
    index: H5Index,
    seen: set[Any],
    stack: list[tuple[Any, str, int]],
) -> None:
    obj = group[name]
    key = obj.id
    if key in seen:
        _fail(sink, "KF412", "object is linked from more than one path", member, path)
    seen.add(key)
    if isinstance(obj, h5py.Group):
        if depth + 1 > limits.max_h5_depth:
            _fail(sink, "KF411", f"groups nested deeper than {limits.max_h5_depth}", member, path)
        index.groups[path] = _read_attrs(obj, member, path, sink)
        stack.append((obj, path, depth + 1))
    elif isinstance(obj, h5py.Dataset):
        index.datasets[path] = _dataset_info(obj, member, path, limits, sink)
    else:
        _fail(
            sink,
            "KF401",
            f"object of type {type(obj).__name__} is neither a group nor a dataset",
            member,
            path,
        )


def _wrap(exc: BaseException, member: str, path: str) -> InvalidArchiveError:
    return InvalidArchiveError(
        f"unreadable HDF5 object: {exc}", member=member, path=path, code="KF401"
    )


def read_dataset(
    fileobj: IO[bytes] | io.RawIOBase, path: str, info: DatasetInfo, *, member: str
) -> np.ndarray[Any, Any]:
    """Read one dataset through HDF5 (chunked, compressed or compact data)."""
    try:
        with h5py.File(fileobj, "r") as f:
            raw = f[path][()]
    except Exception as exc:
        raise _wrap(exc, member, path) from exc
    arr = np.asarray(raw)
    if arr.dtype != info.dtype:
        arr = arr.view(info.dtype) if arr.dtype.kind == "V" else arr.astype(info.dtype)
    arr = arr.reshape(info.shape)
    arr.flags.writeable = False
    return arr


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _is_raw_opaque(dtype: np.dtype[Any]) -> bool:
    return dtype.kind == "V" and dtype.fields is None and dtype.subdtype is None


def write_h5(
    fileobj: IO[bytes] | io.RawIOBase,
    weights: Mapping[str, np.ndarray[Any, Any]],
    groups: Mapping[str, Mapping[str, Any]],
) -> None:
    """Write a weights file: every group in ``groups`` (with attributes) and the
    parents of every dataset, then contiguous uncompressed datasets, all in
    sorted order so the bytes are deterministic (spec §10.1)."""
    ext_names = {dt: name for name, dt in EXTENDED_DTYPES.items()}
    # Datasets of 1 KiB and more start on 64-byte boundaries of the image (and the
    # .keras writer aligns the image itself), so mapped weights are aligned arrays.
    with h5py.File(fileobj, "w", alignment_threshold=1024, alignment_interval=64) as f:
        for gpath in sorted(groups):
            grp = f if gpath == "/" else f.require_group(gpath)
            for key, value in sorted(groups[gpath].items()):
                if isinstance(value, str) and "\x00" in value:
                    # HDF5 strings end at NUL: the value could not round-trip.
                    raise ValueError(f"attribute {key!r} of {gpath} contains a NUL character")
                if isinstance(value, str) and not _utf8_ok(value):
                    raise ValueError(f"attribute {key!r} of {gpath} is not valid Unicode text")
                grp.attrs[key] = value
        for dpath in sorted(weights):
            arr = np.asarray(weights[dpath])
            ext = ext_names.get(arr.dtype)
            if ext is not None:
                ds = f.create_dataset(dpath, data=arr.view(f"V{arr.dtype.itemsize}"))
                ds.attrs["dtype"] = ext
            elif arr.dtype.kind in _NUMERIC_KINDS or _is_raw_opaque(arr.dtype):
                f.create_dataset(dpath, data=arr)
            else:
                raise UnsupportedFeatureError(
                    f"cannot write weights of dtype {arr.dtype}", path=dpath
                )
