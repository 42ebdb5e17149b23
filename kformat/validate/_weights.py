"""HDF5 weights as issues (spec/format.md §6, rules KF4xx) and the ``--deep`` value scan.

The safe walk of ``kformat._h5`` is shared with the reader; here it runs with
a collecting sink, so every bad link, storage or type is listed and only the
offending object is left out of the index. Nothing reads dataset data unless
``deep`` asks for it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from kformat import _h5
from kformat._h5 import H5Index
from kformat._h5_types import extended_name
from kformat._io import Buffer, Window, release_pages
from kformat._issues import Issue
from kformat._limits import Limits
from kformat._rules import RULES, Sink
from kformat.errors import KFormatError

__all__ = ["crc_issue", "nonfinite_issues", "scan_weights"]

_CHUNK_BYTES = 16 << 20
_FLOAT_NAMES = ("float", "bfloat")


def scan_weights(
    buf: Buffer,
    base: int,
    length: int,
    *,
    member: str,
    limits: Limits,
    sink: Sink,
    decoded_before: int = 0,
) -> H5Index | None:
    """Index one HDF5 image at ``buf[base:base+length]``; ``None`` when nothing
    can be checked against it (unreadable, or a legacy full-model file).
    ``decoded_before``: what earlier shards of the same model would decode."""
    index, _ = _h5.load(
        Window(buf, base, length),
        member=member,
        limits=limits,
        sink=sink,
        decoded_before=decoded_before,
    )
    if not index.readable:
        return None
    root = index.groups.get("/", {})
    if "model_config" in root or "layer_names" in root:
        sink.report(
            "KF413",
            "legacy Keras HDF5 model (model.save('x.h5')), not the .keras weights layout; "
            "`kformat migrate IN OUT.keras` converts it",
            member=member,
        )
        return None
    windows = min((g for g in index.groups if "\\" in g), default=None)
    if windows is not None:
        sink.report(
            "KF438",
            "group names joined with backslashes (tf.keras 2.14/2.15 saving on Windows): no "
            "Keras finds these weights; `kformat migrate IN OUT.keras` converts the file",
            member=member,
            path=windows,
        )
        return None
    for path, info in list(index.datasets.items()):
        if info.offset is not None and info.offset + info.nbytes > length:
            sink.report(
                "KF415", "dataset data runs past the end of the file", member=member, path=path
            )
            del index.datasets[path]
    return index


def _is_float(dtype: np.dtype[Any]) -> bool:
    return dtype.kind in "fc" or (dtype.kind == "V" and dtype.name.startswith(_FLOAT_NAMES))


def _count_nonfinite(arr: np.ndarray[Any, Any]) -> int:
    flat = arr.reshape(-1)
    step = max(1, _CHUNK_BYTES // max(flat.dtype.itemsize, 1))
    bad = 0
    for start in range(0, flat.size, step):
        chunk = flat[start : start + step]
        if chunk.dtype.kind not in "fc":
            chunk = chunk.astype(np.float32)
        bad += int(chunk.size - np.count_nonzero(np.isfinite(chunk)))
    return bad


def _count_mapped(buf: Buffer, start: int, dtype: np.dtype[Any], nbytes: int) -> int:
    """Non-finite values of a contiguous dataset read straight from the mapped
    member, chunk by chunk, each chunk's pages released once counted: a deep
    scan of a large file keeps one chunk resident, not the whole file."""
    bad = 0
    step = max(1, _CHUNK_BYTES // dtype.itemsize) * dtype.itemsize
    for lo in range(0, nbytes, step):
        size = min(step, nbytes - lo)
        chunk = np.frombuffer(buf, dtype=dtype, count=size // dtype.itemsize, offset=start + lo)
        bad += _count_nonfinite(chunk)
        del chunk
        release_pages(buf, start + lo, size)
    return bad


def nonfinite_issues(
    buf: Buffer, base: int, length: int, index: H5Index, *, member: str
) -> Iterator[Issue]:
    """``--deep``: a KF424 warning for each float dataset holding NaN or Inf.

    Contiguous data is read from the mapped bytes; the rest is decoded
    through HDF5 in the isolated child, unless the walk found more of it than
    ``max_h5_decoded_bytes`` (KF431 already says so; nothing is decoded).
    """
    wanted = [p for p, i in index.datasets.items() if _is_float(i.dtype) and i.nbytes]
    decoded = [p for p in wanted if index.datasets[p].offset is None]
    over = index.decoded_bytes > index.limits.max_h5_decoded_bytes
    sink = Sink(collect=True)
    arrays: dict[str, Any] = {}
    if decoded and not over:
        window = Window(buf, base, length)
        arrays = dict(_h5.read_datasets(window, index, decoded, member=member, sink=sink))
    yield from sink.issues
    for path in wanted:
        info = index.datasets[path]
        if info.offset is None and over:
            continue
        try:
            if info.offset is not None:
                bad = _count_mapped(buf, base + info.offset, info.dtype, info.nbytes)
            else:
                arr = arrays.get(path, "not read (see the HDF5 library's failure above)")
                if isinstance(arr, str):
                    raise ValueError(arr)
                bad = _count_nonfinite(arr)
        except (KFormatError, ValueError, TypeError) as exc:
            yield Issue("KF401", "error", f"dataset could not be read: {exc}", member, path)
            continue
        if bad:
            yield Issue(
                "KF424",
                RULES["KF424"].severity,
                f"{bad} of {info.nbytes // info.dtype.itemsize} values are NaN or infinite",
                member,
                path,
            )


def crc_issue(
    data: Any,
    expected: int,
    *,
    member: str,
    compressed: bool,
    size: int,
    mapped: tuple[Buffer, int] | None = None,
) -> Issue | None:
    """``--deep``: stream a zip member through CRC-32 (and inflate) in chunks.

    ``mapped`` is ``(buffer, offset)`` when ``data`` is a view into a mapped
    file at that offset: each chunk's pages are released once checked, so a
    large STORED weights member never becomes resident all at once."""
    view = memoryview(data)
    crc = 0
    total = 0
    try:
        if compressed:
            inflater = zlib.decompressobj(-15)
            for start in range(0, len(view), _CHUNK_BYTES):
                out = inflater.decompress(view[start : start + _CHUNK_BYTES], size + 1 - total)
                total += len(out)
                crc = zlib.crc32(out, crc)
                if total > size:
                    break
        else:
            for start in range(0, len(view), _CHUNK_BYTES):
                crc = zlib.crc32(view[start : start + _CHUNK_BYTES], crc)
                if mapped is not None:
                    release_pages(mapped[0], mapped[1] + start, _CHUNK_BYTES)
            total = len(view)
    except zlib.error as exc:
        return Issue("KF110", "error", f"corrupt DEFLATE data: {exc}", member)
    finally:
        view.release()
    if total != size:
        return Issue(
            "KF110", "error", f"member holds {total} bytes, not the declared {size}", member
        )
    if crc != expected:
        return Issue("KF110", "error", "CRC-32 mismatch: the member is corrupt", member)
    return None


def layout_issues(index: H5Index, *, member: str) -> Iterator[Issue]:
    """Warnings about what Keras never writes: other layouts and byte orders
    (KF416), extended dtypes other than bfloat16 (KF417), attributes other than
    a ``vars`` group's ``name`` (KF428)."""
    for path, attrs in index.groups.items():
        allowed = {"name"} if path.endswith("/vars") or path == "/vars" else set()
        for key in sorted(set(attrs) - allowed):
            yield Issue(
                "KF428",
                RULES["KF428"].severity,
                f"attribute {key!r}: Keras writes only 'name' on vars groups",
                member,
                path,
            )
    for path, info in index.datasets.items():
        if info.layout != "contiguous" or info.dtype.byteorder == ">":
            what = "big-endian" if info.dtype.byteorder == ">" else info.layout
            yield Issue(
                "KF416",
                RULES["KF416"].severity,
                f"dataset is {what}; Keras writes contiguous little-endian data (it cannot be "
                "memory-mapped)",
                member,
                path,
            )
        name = extended_name(info.dtype)
        if name is not None and name != "bfloat16":
            yield Issue(
                "KF417",
                RULES["KF417"].severity,
                f"dataset holds {name}, which Keras 3.15 does not convert (only bfloat16)",
                member,
                path,
            )
        for key in sorted(info.attrs):
            yield Issue(
                "KF428",
                RULES["KF428"].severity,
                f"attribute {key!r}: Keras writes only 'dtype' on opaque datasets",
                member,
                path,
            )


def opaque_issues(index: H5Index, *, member: str, explained: set[str]) -> Iterator[Issue]:
    """KF418: unmarked opaque datasets the config does not explain."""
    for path, info in index.datasets.items():
        if info.dtype.type is np.void and info.dtype.fields is None and path not in explained:
            yield Issue(
                "KF418",
                RULES["KF418"].severity,
                f"opaque {info.dtype.itemsize}-byte data without a 'dtype' attribute, and the "
                "config does not say what it holds (Keras 3.0.0-3.0.4 and tf.keras write "
                "bfloat16 this way)",
                member,
                path,
            )
