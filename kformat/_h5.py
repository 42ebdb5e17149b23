"""HDF5 weights files: the isolated safe walk, data reads, and writing (spec §6, rules KF4xx).

These modules (``_h5*``) are the only ones that import h5py; no h5py object
leaves them. Every libhdf5 call on untrusted bytes happens inside
:func:`kformat._h5_isolate.run`: in a child process with a deadline unless
the caller's ``Limits`` say the input is trusted (spec §6.11). The child
returns the index (groups, attributes, dataset metadata) and, for
``kformat.read``, the decoded data of chunked and compact datasets, which
cannot be memory-mapped; their decoded size is capped for the whole file
before any of it is decoded (``max_h5_decoded_bytes``, KF431).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import h5py
import numpy as np

from kformat import _h5_isolate
from kformat._h5_types import EXTENDED_NAMES, extended_dtypes
from kformat._h5_walk import DatasetInfo, H5Index, walk
from kformat._h5_write import write_h5
from kformat._limits import Limits
from kformat._rules import Sink
from kformat.errors import InvalidArchiveError

__all__ = [
    "EXTENDED_NAMES",
    "DatasetInfo",
    "H5Index",
    "extended_dtypes",
    "load",
    "read_datasets",
    "scan",
    "write_h5",
]

Arrays = dict[str, np.ndarray[Any, Any]]


def __getattr__(name: str) -> Any:
    # ``EXTENDED_DTYPES`` stays importable, computed (and ml_dtypes imported)
    # only when someone asks for it.
    if name == "EXTENDED_DTYPES":
        return extended_dtypes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Decode in slabs of about this many bytes, reporting progress between them,
# so a large legitimate dataset never looks like a stalled library.
_SLAB_BYTES = 8 << 20


def _decode(f: Any, path: str, info: DatasetInfo) -> np.ndarray[Any, Any]:
    dset = f[path]
    if len(info.shape) == 0 or info.nbytes <= _SLAB_BYTES:
        arr = np.asarray(dset[()])
    else:
        arr = np.empty(dset.shape, dset.dtype)
        row = info.nbytes // max(info.shape[0], 1) or 1
        step = max(1, _SLAB_BYTES // row)
        for start in range(0, info.shape[0], step):
            arr[start : start + step] = dset[start : start + step]
            _h5_isolate.progress()
    if arr.dtype != info.dtype:
        arr = arr.view(info.dtype) if arr.dtype.kind == "V" else arr.astype(info.dtype)
    return arr.reshape(info.shape)


def _wrap(exc: BaseException, member: str, path: str) -> InvalidArchiveError:
    return InvalidArchiveError(
        f"unreadable HDF5 object: {exc}", member=member, path=path, code="KF401"
    )


def _load_here(
    fileobj: Any, member: str, limits: Limits, sink: Sink, decode: bool, decoded_before: int
) -> Iterator[Any]:
    """The work itself: walk, then (``decode``) read every non-contiguous dataset.

    Yields the index first, then ``(path, array)`` per decoded dataset, one
    at a time so the child never holds more than one of them.
    """
    try:
        f = h5py.File(fileobj, "r")
    except Exception as exc:  # h5py raises OSError/ValueError/KeyError...
        sink.report("KF401", f"not a readable HDF5 file: {exc}", member=member)
        yield H5Index(groups={}, datasets={}, readable=False, limits=limits)
        return
    with f:
        index = walk(f, member=member, limits=limits, sink=sink, decoded_before=decoded_before)
        yield index
        if not decode:
            return
        for path, info in index.datasets.items():
            if info.offset is None and info.nbytes:
                _h5_isolate.progress()
                try:
                    arr = _decode(f, path, info)
                except Exception as exc:
                    raise _wrap(exc, member, path) from exc
                yield path, arr


_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _has_signature(fileobj: Any) -> bool:
    """Whether the superblock signature is where HDF5 looks for it: at 0 or at
    512, 1024, 2048, ... bytes (after a user block; H5FD_locate_signature)."""
    size = fileobj.seek(0, io.SEEK_END)
    offset = 0
    while offset + len(_SIGNATURE) <= size:
        fileobj.seek(offset)
        if fileobj.read(len(_SIGNATURE)) == _SIGNATURE:
            fileobj.seek(0)
            return True
        offset = max(512, offset * 2)
    fileobj.seek(0)
    return False


def load(
    fileobj: IO[bytes] | io.RawIOBase,
    *,
    member: str,
    limits: Limits,
    sink: Sink | None = None,
    decode: bool = False,
    decoded_before: int = 0,
) -> tuple[H5Index, Arrays]:
    """Walk a whole HDF5 file (and, with ``decode``, read its non-contiguous data).

    ``decoded_before`` is what earlier files of the same model (shards) have
    decoded already; it counts against the same ``max_h5_decoded_bytes``.

    Raises:
        KFormatError: through a raising ``sink`` (every KF4xx rule, KF429 when
            libhdf5 misses the deadline, KF430 when it crashes).
    """
    sink = sink or Sink()
    if not _has_signature(fileobj):
        # Nothing for libhdf5 to parse: no need for a child process.
        sink.report("KF401", "not a readable HDF5 file: no HDF5 format signature", member=member)
        return H5Index(groups={}, datasets={}, readable=False, limits=limits), {}

    spec = ("load", member, limits, sink.collect, decode, decoded_before)
    items = _h5_isolate.run(
        work_for(spec, fileobj), sink=sink, limits=limits, member=member, spec=spec, window=fileobj
    )
    if not items:
        return H5Index(groups={}, datasets={}, readable=False, limits=limits), {}
    loaded: Arrays = dict(items[1:])
    for arr in loaded.values():
        arr.flags.writeable = False
    index: H5Index = items[0]
    return index, loaded


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
    return load(fileobj, member=member, limits=limits, sink=sink)[0]


def read_datasets(
    fileobj: IO[bytes] | io.RawIOBase,
    index: H5Index,
    paths: Iterable[str],
    *,
    member: str,
    sink: Sink,
) -> Iterator[tuple[str, np.ndarray[Any, Any] | str]]:
    """``(path, array)`` for each of ``paths`` read through HDF5 (chunked,
    compressed or compact data), or ``(path, reason)`` when it cannot be read;
    isolated and bounded like the walk that made ``index``. Yields nothing
    when libhdf5 missed the deadline or crashed (reported to ``sink``)."""
    wanted = [(p, index.datasets[p]) for p in paths]
    spec = ("read", member, index.limits, sink.collect, wanted)
    items = _h5_isolate.run(
        work_for(spec, fileobj),
        sink=sink,
        limits=index.limits,
        member=member,
        spec=spec,
        window=fileobj,
    )
    yield from items or ()


def work_for(spec: tuple[Any, ...], fileobj: Any) -> Callable[[Sink], Iterator[Any]]:
    """The isolated work a request names (``load`` or ``read``), on ``fileobj``:
    the same function runs in-process, in a child of the caller, or in a child
    of the fork server (``_h5_server``), which receives ``spec`` as data."""
    kind, member, limits = spec[0], spec[1], spec[2]
    if kind == "load":
        decode, decoded_before = spec[4], spec[5]

        def load_work(s: Sink) -> Iterator[Any]:
            return _load_here(fileobj, member, limits, s, decode, decoded_before)

        return load_work
    wanted = spec[4]

    def read_work(s: Sink) -> Iterator[Any]:
        with h5py.File(fileobj, "r") as f:
            for path, info in wanted:
                _h5_isolate.progress()
                try:
                    yield path, _decode(f, path, info)
                except Exception as exc:
                    yield path, str(exc)

    return read_work
