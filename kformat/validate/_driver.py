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

import dataclasses
import os
import stat
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO

from kformat._h5 import H5Index
from kformat._io import Buffer, map_file, read_stream
from kformat._issues import Issue
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._read import ASSETS, CONFIG, METADATA, WEIGHTS, check_members
from kformat._rules import RULES, Sink
from kformat._zip import ZipReader
from kformat.errors import KFormatError
from kformat.validate import _documents, _weights
from kformat.validate._consistency import consistency_issues
from kformat.validate._preflight import (
    config_findings,
    implied_issues,
    is_model,
    layer_errors,
    weights_follow,
)
from kformat.validate._weights_layout import root_issues

__all__ = ["Result", "run"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
#: At most this many issues of one code per member are listed; the rest are
#: counted in one closing issue (a million duplicate keys are one problem).
MAX_PER_CODE = 100


@dataclasses.dataclass
class Result:
    """Everything one validation found.

    Attributes:
        issues: the findings, in check order.
        layout: what the source was validated as (``None``: not recognised).
        custom_objects: registered names / class names the file needs (KF306).
    """

    issues: list[Issue] = dataclasses.field(default_factory=list)
    layout: str | None = None
    custom_objects: list[str] = dataclasses.field(default_factory=list)


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
    ctx = _Context(limits, deep)
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
        from kformat.validate._directory import validate_directory

        ctx.result.layout = "directory"
        validate_directory(ctx, path)
        return ctx.finish()
    name = path.name.lower()
    if name.endswith(".weights.json"):
        from kformat.validate._shards import validate_sharded

        ctx.result.layout = "sharded"
        validate_sharded(ctx, path)
        return ctx.finish()
    if not stat.S_ISREG(path.stat().st_mode):
        ctx.sink.report("KF101", "not a regular file", member=path.name)
        return ctx.finish()
    buf = map_file(path)
    head = bytes(buf[:8])
    if head[:4] in _ZIP_MAGIC or (name.endswith(".keras") and head != _HDF5_MAGIC):
        ctx.result.layout = "keras"
        _validate_zip(ctx, buf)
    elif head == _HDF5_MAGIC or name.endswith((".h5", ".hdf5")):
        ctx.result.layout = "weights_h5"
        index = ctx.scan(buf, 0, len(buf), path.name)
        if index is not None:  # spec §7: the root must look like Keras' (KF437)
            ctx.add(root_issues(index.groups, index.datasets, member=path.name))
        if index is not None and deep:
            ctx.add(_weights.nonfinite_issues(buf, 0, len(buf), index, member=path.name))
    else:
        ctx.sink.report(
            "KF101",
            "not a .keras zip archive, a .weights.h5 file or a .weights.json index",
            member=path.name,
        )
    return ctx.finish()


class _Context:
    def __init__(self, limits: Limits, deep: bool) -> None:
        self.limits = limits
        self.deep = deep
        self.sink = Sink(collect=True)
        self.result = Result()
        #: unmarked opaque datasets the config says hold bfloat16 (no KF418)
        self.explained: set[str] = set()
        #: (member, index) of every weights file, for the checks that follow the config
        self.indexes: list[tuple[str, H5Index]] = []

    def scan(self, buf: Buffer, base: int, length: int, member: str) -> H5Index | None:
        index = _weights.scan_weights(
            buf,
            base,
            length,
            member=member,
            limits=self.limits,
            sink=self.sink,
            # Shards of one model share one decoded-bytes budget (KF431).
            decoded_before=sum(i.decoded_bytes for _, i in self.indexes),
        )
        if index is not None:
            self.add(_weights.layout_issues(index, member=member))
            self.indexes.append((member, index))
        return index

    def add(self, issues: Iterable[Issue]) -> None:
        self.sink.issues.extend(issues)

    def finish(self) -> Result:
        for member, index in self.indexes:
            self.add(_weights.opaque_issues(index, member=member, explained=self.explained))
        self.result.issues = _cap(self.sink.issues)
        self.result.custom_objects = list(dict.fromkeys(self.result.custom_objects))
        return self.result


def _cap(issues: list[Issue]) -> list[Issue]:
    counts: Counter[tuple[str | None, str]] = Counter()
    out: list[Issue] = []
    for issue in issues:
        key = (issue.member, issue.code)
        counts[key] += 1
        if counts[key] <= MAX_PER_CODE:
            out.append(issue)
    for (member, code), n in counts.items():
        if n > MAX_PER_CODE:
            out.append(
                Issue(
                    code,
                    RULES[code].severity,
                    f"{n - MAX_PER_CODE} more {code} issues in this member are not listed",
                    member=member,
                )
            )
    return out


def _validate_zip(ctx: _Context, buf: Buffer) -> None:
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
    check_model(ctx, config_data, metadata_data, index)
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


def check_model(
    ctx: _Context,
    config_data: bytes | None,
    metadata_data: bytes | None,
    index: H5Index | None,
) -> None:
    """Documents, semantics, safety and consistency of a model's members."""
    limits, sink = ctx.limits, ctx.sink
    metadata = None
    if metadata_data is not None:
        metadata = _documents.parse_document(
            metadata_data,
            member=METADATA,
            max_bytes=limits.max_metadata_bytes,
            limits=limits,
            sink=sink,
        )
        if metadata is not None:
            ctx.add(_documents.metadata_issues(metadata, METADATA))
    if config_data is None:
        return
    config = _documents.parse_document(
        config_data, member=CONFIG, max_bytes=limits.max_config_bytes, limits=limits, sink=sink
    )
    if config is None:
        return
    custom = ctx.result.custom_objects
    findings = config_findings(config, custom, limits)
    ctx.add(findings.issues)
    if not is_model(config) or not weights_follow(findings):
        return  # weight paths follow from a config the checks above rejected
    bad_layers = layer_errors(findings)
    version = metadata.get("keras_version") if isinstance(metadata, Mapping) else None
    if index is None:
        # No readable weights: the config-only findings (KF308 implied size,
        # KF309 inconsistent shapes) are still computed from the config alone.
        ctx.add(
            implied_issues(
                config, version if isinstance(version, str) else None, limits, bad_layers
            )
        )
        return
    # Only objects the walk rejected (errors) are missing from the index and
    # would cascade into KF420-KF423; a warning (KF416 chunked, KF417 dtype,
    # KF428 attribute) leaves the object indexed, so it is still compared.
    broken_h5 = {
        i.path
        for i in ctx.sink.issues
        if i.member == WEIGHTS
        and i.code.startswith("KF4")
        and i.severity == "error"
        and i.path is not None
    }
    ctx.add(
        consistency_issues(
            config,
            index,
            member=WEIGHTS,
            version=version if isinstance(version, str) else None,
            limits=limits,
            explained=ctx.explained,
            skip_config=bad_layers,
            skip_h5=broken_h5,
        )
    )
