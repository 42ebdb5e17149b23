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
from typing import IO, Any

import h5py
import ml_dtypes
import numpy as np

from kformat._limits import Limits
from kformat.errors import InvalidArchiveError, UnsafeArchiveError, UnsupportedFeatureError

__all__ = ["DatasetInfo", "H5Index", "read_dataset", "scan", "write_h5"]

# Opaque HDF5 types carry the ml_dtypes name in a ``dtype`` attribute (Keras
# does this for bfloat16, saving_lib.py H5IOStore.__setitem__).
EXTENDED_DTYPES: dict[str, np.dtype[Any]] = {
    name: np.dtype(getattr(ml_dtypes, name))
    for name in (
        "bfloat16",
        "float8_e4m3fn",
        "float8_e5m2",
        "float8_e4m3fnuz",
        "float8_e5m2fnuz",
        "float8_e4m3b11fnuz",
        "int4",
        "uint4",
    )
    if hasattr(ml_dtypes, name)
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


def _wrap(exc: BaseException, member: str, path: str) -> InvalidArchiveError:
    return InvalidArchiveError(f"unreadable HDF5 object: {exc}", member=member, path=path)


def _read_attrs(obj: Any, member: str, path: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    names = list(obj.attrs)
    if len(names) > _MAX_ATTRS:
        raise InvalidArchiveError(
            f"{len(names)} attributes, above {_MAX_ATTRS}", member=member, path=path
        )
    for key in names:
        aid = obj.attrs.get_id(key)
        if aid.get_storage_size() > _MAX_ATTR_BYTES:
            raise InvalidArchiveError(f"attribute {key!r} is too large", member=member, path=path)
        value = obj.attrs[key]
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="strict")
        elif isinstance(value, np.ndarray) and value.dtype.kind not in _NUMERIC_KINDS:
            raise InvalidArchiveError(
                f"attribute {key!r} has unsupported type {value.dtype}", member=member, path=path
            )
        elif not isinstance(value, (str, np.generic, np.ndarray)):
            raise InvalidArchiveError(
                f"attribute {key!r} has unsupported type {type(value).__name__}",
                member=member,
                path=path,
            )
        attrs[key] = value
    return attrs


def _logical_dtype(dset: Any, attrs: dict[str, Any], member: str, path: str) -> np.dtype[Any]:
    dtype: np.dtype[Any] = dset.dtype
    if dtype.kind == "V" and dtype.fields is None and dtype.subdtype is None:
        name = attrs.pop("dtype", None)
        if name is None:
            # Keras 3.0.0-3.0.4 wrote bfloat16 as bare opaque data without the
            # marker (spec §6.4): keep the raw bytes as a void dtype, losslessly;
            # the layer's dtype in config.json says how to view them.
            return dtype
        ext = EXTENDED_DTYPES.get(name) if isinstance(name, str) else None
        if ext is None or ext.itemsize != dtype.itemsize:
            raise InvalidArchiveError(
                f"opaque {dtype.itemsize}-byte data without a known 'dtype' attribute "
                f"(got {name!r}); expected one of {sorted(EXTENDED_DTYPES)}",
                member=member,
                path=path,
            )
        return ext
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise InvalidArchiveError(
            f"dataset type {dtype} is not numeric (strings, references, compound and "
            "variable-length types are not weights)",
            member=member,
            path=path,
        )
    if h5py.check_vlen_dtype(dtype) is not None or h5py.check_string_dtype(dtype) is not None:
        raise InvalidArchiveError(
            f"dataset type {dtype} is variable-length", member=member, path=path
        )
    return dtype


def _dataset_info(dset: Any, member: str, path: str, limits: Limits) -> DatasetInfo:
    dcpl = dset.id.get_create_plist()
    layout_code = dcpl.get_layout()
    if layout_code == h5py.h5d.VIRTUAL:
        raise UnsafeArchiveError("virtual dataset (maps other files)", member=member, path=path)
    if dcpl.get_external_count() > 0:
        raise UnsafeArchiveError(
            "dataset stores its data in an external file", member=member, path=path
        )
    filters = [dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())]
    for fid in filters:
        if fid not in _BUILTIN_FILTERS:
            raise UnsafeArchiveError(
                f"dataset uses HDF5 filter {fid}, which is not a built-in filter "
                f"({', '.join(_BUILTIN_FILTERS.values())})",
                member=member,
                path=path,
            )
    if dset.shape is None:
        raise InvalidArchiveError("dataset has a null dataspace", member=member, path=path)
    attrs = _read_attrs(dset, member, path)
    dtype = _logical_dtype(dset, attrs, member, path)
    shape = tuple(int(d) for d in dset.shape)
    declared = math.prod(shape) * dtype.itemsize
    if declared > limits.max_dataset_bytes:
        raise UnsafeArchiveError(
            f"dataset declares {declared} bytes, above the limit of {limits.max_dataset_bytes}",
            member=member,
            path=path,
        )
    stored = int(dset.id.get_storage_size())
    offset: int | None = None
    if layout_code == h5py.h5d.CONTIGUOUS:
        layout = "contiguous"
        if declared and stored != declared:
            raise UnsafeArchiveError(
                f"dataset declares {declared} bytes but stores {stored}",
                member=member,
                path=path,
            )
        if declared:
            offset = dset.id.get_offset()
            if offset is None:
                raise UnsafeArchiveError("dataset data was never written", member=member, path=path)
    elif layout_code == h5py.h5d.CHUNKED:
        layout = "chunked"
        if declared > max(stored * _MAX_FILTER_RATIO, 1 << 20):
            raise UnsafeArchiveError(
                f"dataset declares {declared} bytes but stores only {stored}",
                member=member,
                path=path,
            )
    elif layout_code == h5py.h5d.COMPACT:
        layout = "compact"
    else:
        raise InvalidArchiveError(f"unknown dataset layout {layout_code}", member=member, path=path)
    return DatasetInfo(shape, dtype, offset, layout, stored, attrs)


def _children(group: Any, member: str, path: str) -> Iterator[tuple[str, str]]:
    """Yield ``(name, child path)`` after checking the link is a hard link."""
    names: list[bytes] = []
    group.id.links.iterate(lambda name: names.append(name))
    for raw_name in names:
        name = raw_name.decode("utf-8", errors="replace")
        child = f"{path.rstrip('/')}/{name}"
        if "/" in name or name in ("", ".", ".."):
            raise InvalidArchiveError(f"invalid link name {name!r}", member=member, path=child)
        kind = group.id.links.get_info(raw_name).type
        if kind == h5py.h5l.TYPE_SOFT:
            raise UnsafeArchiveError(
                "soft link (only hard links are allowed)", member=member, path=child
            )
        if kind == h5py.h5l.TYPE_EXTERNAL:
            raise UnsafeArchiveError("external link to another file", member=member, path=child)
        if kind != h5py.h5l.TYPE_HARD:
            raise UnsafeArchiveError(f"user-defined link type {kind}", member=member, path=child)
        yield name, child


def scan(fileobj: IO[bytes] | io.RawIOBase, *, member: str, limits: Limits) -> H5Index:
    """Walk a whole HDF5 file and index it, reading no dataset data.

    Raises:
        InvalidArchiveError: not HDF5, or a forbidden object or type.
        UnsafeArchiveError: links, external/virtual storage, size bombs.
    """
    try:
        f = h5py.File(fileobj, "r")
    except Exception as exc:  # h5py raises OSError/ValueError/KeyError...
        raise InvalidArchiveError(f"not a readable HDF5 file: {exc}", member=member) from exc
    index = H5Index(groups={}, datasets={})
    seen: set[Any] = set()
    count = 0
    path = "/"
    try:
        with f:
            root_attrs = _read_attrs(f, member, "/")
            if root_attrs:
                index.groups["/"] = root_attrs
            stack: list[tuple[Any, str, int]] = [(f, "/", 0)]
            while stack:
                group, gpath, depth = stack.pop()
                for name, path in _children(group, member, gpath):
                    count += 1
                    if count > limits.max_h5_objects:
                        raise UnsafeArchiveError(
                            f"more than {limits.max_h5_objects} HDF5 objects", member=member
                        )
                    obj = group[name]
                    key = obj.id
                    if key in seen:
                        raise InvalidArchiveError(
                            "object is linked from more than one path", member=member, path=path
                        )
                    seen.add(key)
                    if isinstance(obj, h5py.Group):
                        if depth + 1 > limits.max_h5_depth:
                            raise UnsafeArchiveError(
                                f"groups nested deeper than {limits.max_h5_depth}",
                                member=member,
                                path=path,
                            )
                        index.groups[path] = _read_attrs(obj, member, path)
                        stack.append((obj, path, depth + 1))
                    elif isinstance(obj, h5py.Dataset):
                        index.datasets[path] = _dataset_info(obj, member, path, limits)
                    else:
                        raise InvalidArchiveError(
                            f"object of type {type(obj).__name__} is neither a group nor a dataset",
                            member=member,
                            path=path,
                        )
    except InvalidArchiveError:
        raise
    except Exception as exc:
        raise _wrap(exc, member, path) from exc
    index.groups = dict(sorted(index.groups.items()))
    index.datasets = dict(sorted(index.datasets.items()))
    return index


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
