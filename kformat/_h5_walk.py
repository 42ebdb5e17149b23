"""The safe walk of one HDF5 weights file (spec §6.2-§6.4, rules KF4xx).

The walk follows hard links only, refuses soft and external links on every
path component, external and virtual storage and filter plugins, and checks
each dataset's declared size against the bytes actually stored *before* any
data is read (keras-team/keras: keras/src/saving/saving_lib.py
``safe_get_h5_*`` does the same on the paths Keras visits; kformat does it
for every object). Its cost is linear in the links it visits: every link
counts against ``max_h5_objects``, and a second link to an object already
seen is recognised from the link's target address without opening it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

import h5py
import numpy as np

from kformat import _h5_isolate
from kformat._h5_types import EXTENDED_NAMES, check_layout, extended_dtypes
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._rules import Sink
from kformat.errors import KFormatError, UnsupportedFeatureError

__all__ = ["DatasetInfo", "H5Index", "walk"]

# Filters compiled into every HDF5 library: deflate, shuffle, fletcher32.
_BUILTIN_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32"}
_NUMERIC_KINDS = "biufc"
_MAX_ATTRS = 64
_MAX_ATTR_BYTES = 64 * 1024
_LEGACY_CONFIG_ATTRS = frozenset({"model_config", "training_config"})
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
    """Every group (with attributes) and dataset of a weights file.

    Attributes:
        readable: ``False`` when the file could not be opened or walked.
        decoded_bytes: what reading every non-contiguous dataset decodes
            (declared sizes, at least one chunk each), counted against
            ``max_h5_decoded_bytes`` (KF431).
        limits: the limits the walk ran under (for later data reads).
    """

    groups: dict[str, dict[str, Any]]
    datasets: dict[str, DatasetInfo]
    readable: bool = True
    decoded_bytes: int = 0
    limits: Limits = DEFAULT_LIMITS


class _Skip(Exception):
    """Raised inside the walk after a collecting sink took a problem: the
    object is left out and the walk goes on."""


class _Stop(Exception):
    """Raised when the file has more links than ``max_h5_objects``: the walk ends."""


def _fail(sink: Sink, code: str, message: str, member: str, path: str) -> NoReturn:
    sink.report(code, message, member=member, path=path)
    raise _Skip


def _attr_size(value: Any) -> int:
    """Decoded bytes of an attribute value (vlen strings at their real length)."""
    if isinstance(value, str):
        return len(value.encode("utf-8", errors="surrogatepass"))
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        # Strings of a vlen array (legacy HDF5 ``layer_names``): each at its length.
        return sum(_attr_size(v) if isinstance(v, (str, bytes)) else 16 for v in value.flat)
    return int(getattr(value, "nbytes", 0))


def _stored_size(attr_id: Any) -> int:
    """Stored bytes of an attribute; libhdf5 reports an error, not 0, for an
    empty one (legacy HDF5 models write ``weight_names = []``)."""
    try:
        return int(attr_id.get_storage_size())
    except (RuntimeError, ValueError):
        if attr_id.shape is not None and 0 in attr_id.shape:
            return 0
        raise


class _Walk:
    def __init__(self, member: str, limits: Limits, sink: Sink, decoded_before: int) -> None:
        self.member = member
        self.limits = limits
        self.sink = sink
        self.index = H5Index(groups={}, datasets={}, limits=limits)
        self.seen: set[int] = set()
        self.reported_alias: set[int] = set()
        self.links = 0
        self.attr_bytes = 0
        self.decoded_before = decoded_before

    def fail(self, code: str, message: str, path: str) -> NoReturn:
        _fail(self.sink, code, message, self.member, path)

    def attrs(self, obj: Any, path: str) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        count = len(obj.attrs)  # from the object header, without listing names
        if count == 0:
            return attrs
        if count > _MAX_ATTRS:
            self.fail("KF414", f"{count} attributes, above {_MAX_ATTRS}", path)
        for key in list(obj.attrs):
            # A legacy HDF5 model keeps its whole config in one root attribute
            # (spec KF413): it may be as large as a config.json.
            cap = (
                self.limits.max_config_bytes
                if path == "/" and key in _LEGACY_CONFIG_ATTRS
                else _MAX_ATTR_BYTES
            )
            if _stored_size(obj.attrs.get_id(key)) > cap:
                self.fail("KF414", f"attribute {key!r} is too large", path)
            # A variable-length value records 16 bytes per element whatever
            # its length: only the decoded value tells its size.
            value = obj.attrs[key]
            size = _attr_size(value)
            self.attr_bytes += size
            if size > cap:
                self.fail("KF414", f"attribute {key!r} decodes to {size} bytes", path)
            if self.attr_bytes > self.limits.max_h5_attr_bytes:
                self.fail(
                    "KF414",
                    f"attributes of the file decode to more than {self.limits.max_h5_attr_bytes} "
                    "bytes in all",
                    path,
                )
            attrs[key] = self._attr_value(key, value, path)
        return attrs

    def _attr_value(self, key: str, value: Any, path: str) -> Any:
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                self.fail("KF414", f"attribute {key!r} is not UTF-8 text", path)
        if isinstance(value, np.ndarray) and value.dtype.kind in "OS" and value.ndim == 1:
            # A list of names (legacy HDF5 models: ``layer_names``, ``weight_names``,
            # spec §6.12 KF413) is kept as a tuple of strings, so the reader can say
            # what the file is instead of refusing an attribute type.
            # (vlen strings from tf.keras 2.x; fixed-length bytes from Keras <= 2.3)
            names = tuple(
                self._attr_value(key, bytes(v) if isinstance(v, np.bytes_) else v, path)
                for v in value
            )
            if all(isinstance(n, str) for n in names):
                return names
        if isinstance(value, np.ndarray) and value.dtype.kind not in _NUMERIC_KINDS:
            self.fail("KF414", f"attribute {key!r} has unsupported type {value.dtype}", path)
        if not isinstance(value, (str, np.generic, np.ndarray)):
            self.fail(
                "KF414", f"attribute {key!r} has unsupported type {type(value).__name__}", path
            )
        return value

    def logical_dtype(self, dset: Any, attrs: dict[str, Any], path: str) -> np.dtype[Any]:
        dtype: np.dtype[Any] = dset.dtype
        problem = check_layout(dset, dtype)
        if problem is not None:
            self.fail("KF408", f"dataset type not allowed: {problem}", path)
        if dtype.kind == "V" and dtype.fields is None and dtype.subdtype is None:
            name = attrs.pop("dtype", None)
            if name is None:
                # Keras 3.0.0-3.0.4 wrote bfloat16 as bare opaque data without the
                # marker (spec §6.3): keep the raw bytes as a void dtype, losslessly;
                # the layer's dtype in config.json says how to view them.
                return dtype
            known = extended_dtypes()  # the first marked dataset imports ml_dtypes
            ext = known.get(name) if isinstance(name, str) else None
            if ext is None and not known and name in EXTENDED_NAMES:
                raise UnsupportedFeatureError(
                    f"{name} weights need the ml_dtypes package (pip install ml_dtypes)",
                    member=self.member,
                    path=path,
                    code="KF408",
                )
            if ext is None or ext.itemsize != dtype.itemsize:
                self.fail(
                    "KF408",
                    f"opaque {dtype.itemsize}-byte data without a known 'dtype' attribute "
                    f"(got {name!r}); expected one of {sorted(known or EXTENDED_NAMES)}",
                    path,
                )
            return ext
        if (
            dtype.kind not in _NUMERIC_KINDS
            or dtype.fields is not None
            or dtype.subdtype is not None
        ):
            self.fail(
                "KF408",
                f"dataset type {dtype} is not numeric (strings, references, compound and "
                "variable-length types are not weights)",
                path,
            )
        return dtype

    def dataset(self, dset: Any, path: str) -> DatasetInfo:
        dcpl = dset.id.get_create_plist()
        layout_code = dcpl.get_layout()
        if layout_code == h5py.h5d.VIRTUAL:
            self.fail("KF406", "virtual dataset (maps other files)", path)
        if dcpl.get_external_count() > 0:
            self.fail("KF405", "dataset stores its data in an external file", path)
        for fid in (dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())):
            if fid not in _BUILTIN_FILTERS:
                self.fail(
                    "KF407",
                    f"dataset uses HDF5 filter {fid}, which is not a built-in filter "
                    f"({', '.join(_BUILTIN_FILTERS.values())})",
                    path,
                )
        if dset.shape is None:
            self.fail("KF408", "dataset has a null dataspace", path)
        attrs = self.attrs(dset, path)
        dtype = self.logical_dtype(dset, attrs, path)
        shape = tuple(int(d) for d in dset.shape)
        declared = math.prod(shape) * dtype.itemsize
        limit = self.limits.max_dataset_bytes
        if declared > limit:
            self.fail(
                "KF410", f"dataset declares {declared} bytes, above the limit of {limit}", path
            )
        stored = int(dset.id.get_storage_size())
        offset: int | None = None
        if layout_code == h5py.h5d.CONTIGUOUS:
            layout = "contiguous"
            if declared and stored != declared:
                self.fail("KF409", f"dataset declares {declared} bytes but stores {stored}", path)
            if declared:
                offset = dset.id.get_offset()
                if offset is None:
                    self.fail("KF409", "dataset data was never written", path)
        elif layout_code == h5py.h5d.CHUNKED:
            layout = "chunked"
            if declared > max(stored * _MAX_FILTER_RATIO, 1 << 20):
                self.fail(
                    "KF409", f"dataset declares {declared} bytes but stores only {stored}", path
                )
            # Reading decodes whole chunks, and a chunk may be larger than the
            # dataset: count whichever is more.
            chunk = math.prod(dcpl.get_chunk()) * dtype.itemsize
            self.index.decoded_bytes += max(declared, chunk) if declared else 0
        elif layout_code == h5py.h5d.COMPACT:
            layout = "compact"
            self.index.decoded_bytes += declared
        else:
            self.fail("KF401", f"unknown dataset layout {layout_code}", path)
        return DatasetInfo(shape, dtype, offset, layout, stored, attrs)

    def children(self, group: Any, path: str) -> Iterator[tuple[str, str]]:
        """``(name, child path)`` of the hard links of ``group`` not seen before;
        every other link is reported (and skipped when the sink collects)."""
        names: list[tuple[bytes, int, int]] = []
        room = self.limits.max_h5_objects - self.links

        def take(name: bytes, info: Any) -> bool | None:
            # h5py reuses one LinkInfo for the whole iteration: copy its fields.
            names.append((name, info.type, info.u))
            return True if len(names) > room else None  # a value stops the iteration

        # One pass yields each link with its type and target (no lookup per name).
        group.id.links.iterate(take, info=True)
        for raw_name, kind, target in names:
            self.links += 1
            if self.links > self.limits.max_h5_objects:
                self.sink.report(
                    "KF411",
                    f"more than {self.limits.max_h5_objects} HDF5 links",
                    member=self.member,
                    path=path,
                )
                raise _Stop
            name = raw_name.decode("utf-8", errors="replace")
            child = f"{path.rstrip('/')}/{name}"
            try:
                if "/" in name or name in ("", ".", ".."):
                    self.fail("KF404", f"invalid link name {name!r}", child)
                if kind == h5py.h5l.TYPE_SOFT:
                    self.fail("KF402", "soft link (only hard links are allowed)", child)
                if kind == h5py.h5l.TYPE_EXTERNAL:
                    self.fail("KF403", "external link to another file", child)
                if kind != h5py.h5l.TYPE_HARD:
                    self.fail("KF404", f"user-defined link type {kind}", child)
                if target in self.seen:
                    # One report per aliased object, however many links lead to it.
                    if target not in self.reported_alias:
                        self.reported_alias.add(target)
                        self.fail("KF412", "object is linked from more than one path", child)
                    raise _Skip
                self.seen.add(target)
            except _Skip:
                continue
            yield name, child

    def visit(self, group: Any, name: str, path: str, depth: int, stack: list[Any]) -> None:
        _h5_isolate.progress()
        obj = group[name]
        if isinstance(obj, h5py.Group):
            if depth + 1 > self.limits.max_h5_depth:
                self.fail("KF411", f"groups nested deeper than {self.limits.max_h5_depth}", path)
            self.index.groups[path] = self.attrs(obj, path)
            stack.append((obj, path, depth + 1))
        elif isinstance(obj, h5py.Dataset):
            self.index.datasets[path] = self.dataset(obj, path)
        else:
            self.fail(
                "KF401",
                f"object of type {type(obj).__name__} is neither a group nor a dataset",
                path,
            )

    def run(self, f: Any) -> H5Index:
        root = f["/"]
        # The root counts as seen: a link back to it is an alias (a cycle).
        self.seen.add(int(h5py.h5o.get_info(root.id).addr))
        root_attrs = self.guard("/", self.attrs, f, "/")
        if root_attrs:
            self.index.groups["/"] = root_attrs
        stack: list[tuple[Any, str, int]] = [(f, "/", 0)]
        try:
            while stack:
                group, gpath, depth = stack.pop()
                children = self.guard(gpath, lambda g, p: list(self.children(g, p)), group, gpath)
                for name, path in children or ():
                    self.guard(path, self.visit, group, name, path, depth, stack)
        except _Stop:  # more links than the limit: the rest is not walked
            pass
        self.totals()
        self.index.groups = dict(sorted(self.index.groups.items()))
        self.index.datasets = dict(sorted(self.index.datasets.items()))
        return self.index

    def guard(self, path: str, step: Any, *args: Any) -> Any:
        """Run one step of the walk; a skipped or unreadable object yields ``None``."""
        try:
            return step(*args)
        except (_Stop, KFormatError):
            raise
        except _Skip:
            return None
        except Exception as exc:  # h5py raises OSError/ValueError/KeyError...
            self.sink.report(
                "KF401", f"unreadable HDF5 object: {exc}", member=self.member, path=path
            )
            return None

    def totals(self) -> None:
        total = sum(info.nbytes for info in self.index.datasets.values())
        if total > self.limits.max_total_bytes:
            self.sink.report(
                "KF410",
                f"datasets declare {total} bytes in all, above the limit of "
                f"{self.limits.max_total_bytes}",
                member=self.member,
            )
        decoded = self.decoded_before + self.index.decoded_bytes
        if decoded > self.limits.max_h5_decoded_bytes:
            self.sink.report(
                "KF431",
                f"chunked and compact datasets decode to {decoded} bytes, above the limit of "
                f"{self.limits.max_h5_decoded_bytes}",
                member=self.member,
            )


def walk(f: Any, *, member: str, limits: Limits, sink: Sink, decoded_before: int = 0) -> H5Index:
    """Walk the open h5py file ``f`` and index it, reading no dataset data."""
    return _Walk(member, limits, sink, decoded_before).run(f)
