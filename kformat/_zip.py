"""The zip container: safe reading (spec §2, rules KF1xx); writing is in _zipwrite.py.

Reading checks everything the central directory declares *before* any byte
is inflated: names, entry types, compression methods, sizes, expansion
ratios, and that every member's data lies inside the file without
overlapping another member. STORED members are then served as byte ranges
of the mapped file so the weights member can be opened and viewed in place.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from kformat._io import Buffer, Window
from kformat._limits import Limits
from kformat._rules import Sink
from kformat.errors import InvalidArchiveError, UnsafeArchiveError

__all__ = ["ZipMember", "ZipReader", "check_member_name"]

STORED = zipfile.ZIP_STORED
DEFLATED = zipfile.ZIP_DEFLATED

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIG = b"PK\x03\x04"
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclasses.dataclass(frozen=True)
class ZipMember:
    """One checked central-directory entry."""

    name: str
    compress_type: int
    compressed_size: int
    file_size: int
    crc: int
    header_offset: int
    data_offset: int
    is_dir: bool


def check_member_name(name: str) -> str | None:
    """Return why ``name`` is not a safe member name, or ``None`` (rule KF103)."""
    if name == "":
        return "empty member name"
    if "\x00" in name:
        return "member name contains a NUL byte"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "member name contains a control character"
    if "\\" in name:
        return "member name contains a backslash"
    if name.startswith("/"):
        return "member name is an absolute path"
    if _DRIVE.match(name):
        return "member name starts with a drive letter"
    parts = name.rstrip("/").split("/")
    if any(p == ".." for p in parts):
        return "member name contains a '..' component"
    if any(p in ("", ".") for p in parts):
        return "member name contains an empty or '.' component"
    return None


class ZipReader:
    """A zip archive in ``buf`` whose directory has passed every container check.

    With the default sink the first problem raises; with a collecting sink
    (the validator's) every problem is reported, a member with a problem is
    left out of ``members`` and named in ``rejected``, and ``readable`` says
    whether a central directory was found at all.

    Raises:
        InvalidArchiveError: not a zip, or a broken/forbidden entry.
        UnsafeArchiveError: traversal names, links, bombs, overlapping data.
    """

    def __init__(self, buf: Buffer, *, limits: Limits, sink: Sink | None = None) -> None:
        self._buf = buf
        self._limits = limits
        self._sink = sink or Sink()
        self.members: dict[str, ZipMember] = {}
        self.rejected: set[str] = set()
        self.readable = False
        try:
            with zipfile.ZipFile(Window(buf)) as zf:
                infos = zf.infolist()
                self._directory_start = int(getattr(zf, "start_dir", len(buf)))
        except Exception as exc:  # zipfile raises many types on bad bytes
            self._sink.report("KF101", f"not a readable zip archive: {exc}")
            return
        self.readable = True
        if len(infos) > limits.max_members:
            self._sink.report(
                "KF108",
                f"archive has {len(infos)} members, above the limit of {limits.max_members}",
            )
            self.readable = False
            return
        total = 0
        for info in infos:
            member = self._check(info)
            if member is None:
                self.rejected.add(info.filename)
                continue
            total += member.file_size
            self.members[member.name] = member
        if total > limits.max_total_bytes:
            self._sink.report(
                "KF108",
                f"members expand to {total} bytes, above the limit of {limits.max_total_bytes}",
            )
        self._check_overlaps()

    def _check(self, info: zipfile.ZipInfo) -> ZipMember | None:
        name = info.filename
        report = self._sink.report
        # zipfile cuts names at a NUL byte; check the name as stored.
        why = check_member_name(info.orig_filename)
        if why is not None:
            report("KF103", why, member=name)
            return None
        if name in self.members or name in self.rejected:
            report("KF104", "duplicate member name", member=name)
            return None
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        if kind == stat.S_IFLNK:
            report("KF105", "member is a symbolic link", member=name)
            return None
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            report("KF105", f"member is a special file (mode {oct(mode)})", member=name)
            return None
        if info.flag_bits & 0x41:  # bit 0: encrypted, bit 6: strong encryption
            report("KF107", "member is encrypted", member=name)
            return None
        if info.compress_type not in (STORED, DEFLATED):
            report(
                "KF107",
                f"compression method {info.compress_type} is not STORED (0) or DEFLATED (8)",
                member=name,
            )
            return None
        if info.compress_type == DEFLATED:
            report("KF113", "member is DEFLATED (Keras writes STORED members)", member=name)
        if info.compress_type == STORED and info.compress_size != info.file_size:
            report(
                "KF110",
                f"STORED member declares {info.file_size} bytes but stores {info.compress_size}",
                member=name,
            )
            return None
        if info.compress_type == DEFLATED and info.file_size > max(
            info.compress_size * self._limits.max_compression_ratio, 1 << 20
        ):
            report(
                "KF109",
                f"member expands {info.compress_size} to {info.file_size} bytes, above the "
                f"ratio limit of {self._limits.max_compression_ratio:g}",
                member=name,
            )
            return None
        data_offset = self._data_offset(info)
        if data_offset is None:
            return None
        if data_offset + info.compress_size > len(self._buf):
            report("KF110", "member data runs past the end of the file", member=name)
            return None
        return ZipMember(
            name=name,
            compress_type=info.compress_type,
            compressed_size=info.compress_size,
            file_size=info.file_size,
            crc=info.CRC,
            header_offset=info.header_offset,
            data_offset=data_offset,
            is_dir=name.endswith("/"),
        )

    def _data_offset(self, info: zipfile.ZipInfo) -> int | None:
        start = info.header_offset
        header = bytes(self._buf[start : start + _LOCAL_HEADER.size])
        if len(header) < _LOCAL_HEADER.size:
            self._sink.report("KF110", "local header runs past the end", member=info.filename)
            return None
        fields: tuple[Any, ...] = _LOCAL_HEADER.unpack(header)
        if fields[0] != _LOCAL_SIG:
            self._sink.report("KF110", "bad local header signature", member=info.filename)
            return None
        name_len, extra_len = int(fields[9]), int(fields[10])
        raw_name = bytes(self._buf[start + 30 : start + 30 + name_len])
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if raw_name.decode(encoding, errors="replace") != info.orig_filename:
            self._sink.report(
                "KF111",
                "local header names a different file than the central directory",
                member=info.filename,
            )
            return None
        return start + 30 + name_len + extra_len

    def _check_overlaps(self) -> None:
        spans = sorted(
            (m.header_offset, m.data_offset + m.compressed_size, m.name)
            for m in self.members.values()
        )
        bad: set[str] = set()
        for (_, end, _name), (start, _, name) in itertools.pairwise(spans):
            if start < end:
                self._sink.report("KF111", "member data overlaps another member", member=name)
                bad.add(name)
        for _, end, name in spans:
            if end > self._directory_start and name not in bad:
                self._sink.report(
                    "KF111", "member data overlaps the central directory", member=name
                )
                bad.add(name)
        for name in bad:
            del self.members[name]
            self.rejected.add(name)

    def __iter__(self) -> Iterator[ZipMember]:
        return iter(self.members.values())

    def stored_range(self, name: str) -> tuple[int, int] | None:
        """``(offset, length)`` of a STORED member's bytes in the buffer."""
        m = self.members[name]
        if m.compress_type != STORED:
            return None
        return m.data_offset, m.file_size

    def read(
        self, name: str, *, max_bytes: int, verify_crc: bool = True, code: str = "KF108"
    ) -> bytes:
        """The member's bytes, inflated with a cap, CRC-checked; ``code`` is the
        rule a member above ``max_bytes`` breaks (KF204 for JSON documents).

        Raises:
            InvalidArchiveError: too large, corrupt data, or CRC mismatch.
        """
        m = self.members[name]
        if m.file_size > max_bytes:
            raise UnsafeArchiveError(
                f"member is {m.file_size} bytes, above the limit of {max_bytes}",
                member=name,
                code=code,
            )
        raw = self._buf[m.data_offset : m.data_offset + m.compressed_size]
        if m.compress_type == STORED:
            data = bytes(raw)
        else:
            inflater = zlib.decompressobj(-15)
            try:
                data = inflater.decompress(raw, m.file_size + 1)
            except zlib.error as exc:
                raise InvalidArchiveError(
                    f"corrupt DEFLATE data: {exc}", member=name, code="KF110"
                ) from exc
            if len(data) != m.file_size or inflater.unconsumed_tail:
                raise InvalidArchiveError(
                    f"member inflates to a size other than the declared {m.file_size} bytes",
                    member=name,
                    code="KF110",
                )
        if verify_crc and zlib.crc32(data) != m.crc:
            raise InvalidArchiveError(
                "CRC-32 mismatch: the member is corrupt", member=name, code="KF110"
            )
        return data
