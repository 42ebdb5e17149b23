"""The validator's driver: which checks run on which layout, and what is skipped after a failure.

Each layout (``.keras`` zip, model directory, ``.weights.h5``, sharded
``.weights.json``) runs its container checks, then the documents, then the
config semantics and safety rules, then the weights and their consistency
with the config. A member that fails to parse is not checked further, and
semantic findings inside a part of the config the schema already rejected
are dropped (no cascades). The weights are indexed, never read, unless
``deep`` asks for the CRC of every member and a NaN/Inf scan.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from kformat._h5 import H5Index
from kformat._io import Buffer, map_file, read_stream
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._read import ASSETS, CONFIG, METADATA, WEIGHTS, check_members
from kformat._weights_layout import root_issues
from kformat._zip import ZipReader
from kformat.errors import KFormatError
from kformat.validate import _weights
from kformat.validate._context import Context, Result
from kformat.validate._directory import validate_directory
from kformat.validate._model import check_model
from kformat.validate._shards import validate_sharded

__all__ = ["Result", "run", "run_url"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def run(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    limits: Limits | None = None,
    deep: bool = False,
) -> Result:
    """Validate ``source`` (see :func:`kformat.validate.iter_issues`).

    Raises:
        OSError: the path does not exist or cannot be opened.
        TypeError: ``source`` is neither a path nor a binary file object.
    """
    limits = limits or DEFAULT_LIMITS
    ctx = Context(limits, deep)
    if hasattr(source, "read"):
        try:
            buf = read_stream(source, limits.max_total_bytes)  # type: ignore[arg-type]
        except ValueError as exc:
            ctx.sink.report("KF108", str(exc))
            return ctx.finish()
        ctx.result.layout = "keras"
        _validate_zip(ctx, buf)
        return ctx.finish()
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            f"source must be a path or a binary file object, not {type(source).__name__}"
        )
    path = Path(source)
    if path.is_dir():
        ctx.result.layout = "directory"
        validate_directory(ctx, path)
        return ctx.finish()
    name = path.name.lower()
    if name.endswith(".weights.json"):
        ctx.result.layout = "sharded"
        validate_sharded(ctx, path)
        return ctx.finish()
    if not stat.S_ISREG(path.stat().st_mode):
        ctx.sink.report("KF101", "not a regular file", member=path.name)
        return ctx.finish()
    _dispatch(ctx, map_file(path), path.name)
    return ctx.finish()


def run_url(url: str, *, limits: Limits | None = None, deep: bool = False) -> tuple[Result, int]:
    """Validate the ``.keras`` or ``.weights.h5`` object at an fsspec URL;
    returns the result and the bytes fetched.

    Without ``deep`` only the blocks the checks touch are fetched (the zip
    directory, local headers, JSON members, HDF5 metadata: kformat._remote);
    ``deep`` reads every weight, so the object is streamed whole to a spool.

    Raises:
        ImportError: fsspec is not installed.
        OSError: the object cannot be opened.
    """
    from kformat import _remote

    limits = limits or DEFAULT_LIMITS
    ctx = Context(limits, deep)
    name = url.rstrip("/").rpartition("/")[2]
    if name.lower().endswith(".weights.json"):
        raise OSError("sharded .weights.json indexes are validated from local paths only")
    remote = _remote.open_url(url)
    if deep:
        with remote._file as f:
            try:
                buf: Buffer = read_stream(f, limits.max_total_bytes)
            except ValueError as exc:
                ctx.sink.report("KF108", str(exc))
                return ctx.finish(), len(remote)
        _dispatch(ctx, buf, name)
        return ctx.finish(), len(remote)
    _dispatch(ctx, remote, name)  # type: ignore[arg-type]
    return ctx.finish(), remote.fetched


def _dispatch(ctx: Context, buf: Buffer, member: str) -> None:
    name = member.lower()
    head = bytes(buf[:8])
    if head[:4] in _ZIP_MAGIC or (name.endswith(".keras") and head != _HDF5_MAGIC):
        ctx.result.layout = "keras"
        _validate_zip(ctx, buf)
    elif head == _HDF5_MAGIC or name.endswith((".h5", ".hdf5")):
        ctx.result.layout = "weights_h5"
        index = ctx.scan(buf, 0, len(buf), member)
        if index is not None:  # spec §7: the root must look like Keras' (KF437)
            ctx.add(root_issues(index.groups, index.datasets, member=member))
        if index is not None and ctx.deep:
            ctx.add(_weights.nonfinite_issues(buf, 0, len(buf), index, member=member))
    else:
        ctx.sink.report(
            "KF101",
            "not a .keras zip archive, a .weights.h5 file or a .weights.json index",
            member=member,
        )


def _validate_zip(ctx: Context, buf: Buffer) -> None:
    limits, sink = ctx.limits, ctx.sink
    zr = ZipReader(buf, limits=limits, sink=sink)
    if not zr.readable:
        return
    check_members(zr.members, sink, rejected=zr.rejected)
    for m in zr:
        if m.name.startswith(ASSETS) and m.file_size > limits.max_asset_bytes:
            sink.report(
                "KF108",
                f"asset is {m.file_size} bytes, above the limit of {limits.max_asset_bytes}",
                member=m.name,
            )

    def member_bytes(name: str, cap: int, code: str = "KF108") -> bytes | None:
        if name not in zr.members:
            return None
        try:
            return zr.read(name, max_bytes=cap, code=code)
        except KFormatError as exc:
            sink.report(exc.code or "KF110", exc.message, member=name, path=exc.path)
            return None

    config_data = member_bytes(CONFIG, limits.max_config_bytes, "KF204")
    metadata_data = member_bytes(METADATA, limits.max_metadata_bytes, "KF204")
    index: H5Index | None = None
    base = length = 0
    weights_buf: Buffer = buf
    if WEIGHTS in zr.members:
        stored = zr.stored_range(WEIGHTS)
        if stored is not None:
            base, length = stored
        else:
            # Inflated into an anonymous temporary file, never whole in memory.
            try:
                weights_buf = zr.spool(WEIGHTS)
                base, length = 0, len(weights_buf)
            except KFormatError as exc:
                sink.report(exc.code or "KF110", exc.message, member=WEIGHTS, path=exc.path)
        if stored is not None or weights_buf is not buf:
            index = ctx.scan(weights_buf, base, length, WEIGHTS)
    asset_names = {m.name for m in zr if m.name.startswith(ASSETS) and not m.is_dir}
    check_model(ctx, config_data, metadata_data, index, asset_names)
    if ctx.deep:
        for m in zr:
            if m.name in (CONFIG, METADATA) or m.is_dir or zr.budget.charged(m.name):
                continue  # already read and CRC-checked
            if m.name == WEIGHTS and m.compress_type == 0:
                # Mapped, not copied: its CRC is streamed outside the inflate budget.
                raw = memoryview(buf)[m.data_offset : m.data_offset + m.compressed_size]
                found = _weights.crc_issue(
                    raw,
                    m.crc,
                    member=m.name,
                    compressed=False,
                    size=m.file_size,
                    mapped=(buf, m.data_offset),
                )
                if found is not None:
                    sink.issues.append(found)
                continue
            if zr.over_budget:
                continue  # KF108 already: inflating up to the budget would prove nothing
            try:
                for _ in zr.chunks(m.name):
                    pass  # streamed through the CRC, charged to the budget
            except KFormatError as exc:
                sink.report(exc.code or "KF110", exc.message, member=m.name, path=exc.path)
                if exc.code == "KF108":
                    break  # the budget is spent: no other member is inflated
        if index is not None:
            ctx.add(_weights.nonfinite_issues(weights_buf, base, length, index, member=WEIGHTS))
