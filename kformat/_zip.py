"""The zip container: safe reading (spec §2, rules KF1xx); writing is in _zipwrite.py.

Reading checks everything the central directory declares *before* any byte
is inflated: the end records and entry count (``_zipframe``), names, entry
types, compression methods, sizes, expansion ratios, that each local header
agrees with its directory entry, and that every member's data lies inside
the file without overlapping another member or hiding records between them.
STORED members are then served as byte ranges of the mapped file so the
weights member can be opened and viewed in place; every other member is
streamed in bounded chunks, charged to the archive's inflate budget.
"""

from __future__ import annotations

import dataclasses
import itertools
import mmap
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from kformat import _zipframe
from kformat._io import Budget, Buffer, Window, spool
from kformat._limits import Limits
from kformat._rules import Sink
from kformat.errors import InvalidArchiveError, UnsafeArchiveError

__all__ = ["ZipMember", "ZipReader", "check_member_name"]

STORED = zipfile.ZIP_STORED
DEFLATED = zipfile.ZIP_DEFLATED

_DRIVE = re.compile(r"^[A-Za-z]:")
#: The member a reader maps in place when STORED (spec §2.1); every other
#: member is copied or inflated, and charged to ``max_inflated_bytes``.
MAPPED = "model.weights.h5"
_CHUNK = 1 << 20
#: Bidirectional overrides and isolates, and the Unicode line and paragraph
#: separators: not C0/C1 controls, but they reorder or break a printed name.
_FORMAT_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


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
    end: int  # first byte after the data and any data descriptor


def check_member_name(name: str) -> str | None:
    """Return why ``name`` is not a safe member name, or ``None`` (rule KF103).

    The name is checked as stored and after NFKC normalisation: fullwidth
    dots and solidus (U+FF0E, U+FF0F) become ``../`` wherever a tool or file
    system normalises names (spec §2.3)."""
    why = _check_name(name)
    if why is not None:
        return why
    folded = unicodedata.normalize("NFKC", name)
    if folded != name:
        why = _check_name(folded)
        if why is not None:
            return f"{why} after Unicode NFKC normalisation"
    return None


def _check_name(name: str) -> str | None:
    if name == "":
        return "empty member name"
    if "\x00" in name:
        return "member name contains a NUL byte"
    if any(unicodedata.category(c) == "Cc" or c in _FORMAT_CONTROLS for c in name):
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
        UnsafeArchiveError: traversal names, links, bombs, overlapping data,
            records another zip reader would read differently.
    """

    def __init__(self, buf: Buffer, *, limits: Limits, sink: Sink | None = None) -> None:
        self._buf = buf
        self._limits = limits
        self._sink = sink or Sink()
        self.budget = Budget(limits.max_inflated_bytes)
        #: the members' declared sizes alone exceed the budget (reported as KF108)
        self.over_budget = False
        self.members: dict[str, ZipMember] = {}
        self.rejected: set[str] = set()
        self.readable = False
        # The end records and the entry count first, from the raw bytes: a
        # flood of entries is refused before zipfile parses any of them.
        before = len(self._sink.issues)
        end = _zipframe.find_end(buf, self._sink, limits.max_members)
        if end is None and len(self._sink.issues) > before:
            return
        try:
            with zipfile.ZipFile(Window(buf)) as zf:
                infos = zf.infolist()
        except Exception as exc:  # zipfile raises many types on bad bytes
            self._sink.report("KF101", f"not a readable zip archive: {exc}")
            return
        if end is None:  # zipfile read what find_end could not place
            self._sink.report("KF101", "not a readable zip archive: no end record")
            return
        self.readable = True
        self._directory_start = end.start_dir
        spans: list[tuple[int, int]] = []
        names: dict[str, str] = {}
        for info in infos:
            member = self._check(info, spans, names)
            if member is None:
                self.rejected.add(info.filename)
                # Its bytes are still covered by an entry: not "hidden" (no cascade).
                local = _zipframe.local_record(buf, info, Sink(collect=True))
                spans.append((info.header_offset, local.end if local else info.header_offset + 4))
                continue
            self.members[member.name] = member
        self._check_totals()
        self._check_overlaps()
        _zipframe.hidden_records(buf, spans, end, self._sink)

    def _check_totals(self) -> None:
        declared = sum(m.file_size for m in self.members.values())
        if declared > self._limits.max_total_bytes:
            self._sink.report(
                "KF108",
                f"members expand to {declared} bytes, above the limit of "
                f"{self._limits.max_total_bytes}",
            )
        # What read() would copy or inflate if every member were read once.
        copied = sum(
            m.file_size
            for m in self.members.values()
            if not (m.name == MAPPED and m.compress_type == STORED)
        )
        self.over_budget = copied > self.budget.limit
        if self.over_budget:
            self._sink.report(
                "KF108",
                f"members other than a STORED weights member expand to {copied} bytes, "
                f"above max_inflated_bytes={self.budget.limit}",
            )

    def _check(
        self, info: zipfile.ZipInfo, spans: list[tuple[int, int]], names: dict[str, str]
    ) -> ZipMember | None:
        name = info.filename
        report = self._sink.report
        # zipfile cuts names at a NUL byte; check the name as stored.
        why = check_member_name(info.orig_filename)
        if why is not None:
            report("KF103", why, member=name)
            return None
        folded = unicodedata.normalize("NFKC", name)
        if name in self.members or name in self.rejected or folded in names:
            report("KF104", "duplicate member name (after NFKC normalisation)", member=name)
            return None
        names[folded] = name
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
        local = _zipframe.local_record(self._buf, info, self._sink)
        if local is None:
            return None
        spans.append((info.header_offset, local.end))
        return ZipMember(
            name=name,
            compress_type=info.compress_type,
            compressed_size=info.compress_size,
            file_size=info.file_size,
            crc=info.CRC,
            header_offset=info.header_offset,
            data_offset=local.data_offset,
            is_dir=name.endswith("/"),
            end=local.end,
        )

    def _check_overlaps(self) -> None:
        spans = sorted((m.header_offset, m.end, m.name) for m in self.members.values())
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

    def chunks(self, name: str, *, verify_crc: bool = True) -> Iterator[bytes]:
        """The member's bytes in chunks of at most 1 MiB, inflated with the
        declared size as a hard stop, charged to the inflate budget (unless
        this member was already produced in full once), CRC-checked at the end.

        Raises:
            InvalidArchiveError: corrupt data, wrong size or CRC (KF110).
            UnsafeArchiveError: the archive's inflate budget is spent (KF108).
        """
        m = self.members[name]
        charge = not self.budget.charged(name)
        lo, hi = m.data_offset, m.data_offset + m.compressed_size
        raw: memoryview | _Span = (
            memoryview(self._buf)[lo:hi]
            if isinstance(self._buf, (bytes, mmap.mmap))
            else _Span(self._buf, lo, hi)
        )
        crc = total = 0
        try:
            for piece in _pieces(raw, m.compress_type == DEFLATED, m.file_size, name):
                total += len(piece)
                if charge:
                    self.budget.charge(len(piece), name)
                crc = zlib.crc32(piece, crc)
                yield piece
        finally:
            raw.release()
        if total != m.file_size:
            raise InvalidArchiveError(
                f"member inflates to {total} bytes, not the declared {m.file_size}",
                member=name,
                code="KF110",
            )
        if verify_crc and crc != m.crc:
            raise InvalidArchiveError(
                "CRC-32 mismatch: the member is corrupt", member=name, code="KF110"
            )
        self.budget.done(name)

    def read(
        self, name: str, *, max_bytes: int, verify_crc: bool = True, code: str = "KF108"
    ) -> bytes:
        """The member's bytes (see :meth:`chunks`); ``code`` is the rule a member
        above ``max_bytes`` breaks (KF204 for JSON documents).

        Raises:
            InvalidArchiveError: corrupt data, or CRC mismatch.
            UnsafeArchiveError: too large, or the inflate budget is spent.
        """
        m = self.members[name]
        if m.file_size > max_bytes:
            raise UnsafeArchiveError(
                f"member is {m.file_size} bytes, above the limit of {max_bytes}",
                member=name,
                code=code,
            )
        return b"".join(self.chunks(name, verify_crc=verify_crc))

    def spool(self, name: str) -> Buffer:
        """The member inflated into an anonymous temporary file, mapped read-only:
        memory stays at one chunk however large the member (a DEFLATED weights
        member, which Keras never writes, spec §2.4)."""
        return spool(self.chunks(name))


class _Span:
    """``buf[lo:hi]`` of a lazily fetched buffer (kformat._remote), which has no
    buffer protocol: each slice is fetched when taken, so a member streams
    through in chunks instead of arriving whole."""

    def __init__(self, buf: Any, lo: int, hi: int) -> None:
        self._buf, self._lo, self._hi = buf, lo, hi

    def __len__(self) -> int:
        return self._hi - self._lo

    def __getitem__(self, key: slice) -> bytes:
        start, stop, _ = key.indices(len(self))
        return bytes(self._buf[self._lo + start : self._lo + stop])

    def release(self) -> None:
        pass


def _pieces(raw: memoryview | _Span, deflated: bool, size: int, name: str) -> Iterator[bytes]:
    """Stored bytes copied, or inflated, ``_CHUNK`` at a time; an inflater is
    never asked for more than one byte past the declared size."""
    if not deflated:
        for lo in range(0, len(raw), _CHUNK):
            yield bytes(raw[lo : lo + _CHUNK])
        return
    inflater = zlib.decompressobj(-15)
    total = 0
    pos = 0
    pending: bytes | memoryview = b""
    try:
        while total <= size:
            if not pending:
                if pos >= len(raw):
                    break
                pending = raw[pos : pos + _CHUNK]
                pos += _CHUNK
            out = inflater.decompress(pending, min(_CHUNK, size + 1 - total))
            pending = inflater.unconsumed_tail
            total += len(out)
            if out:
                yield out
            elif inflater.eof or (not pending and pos >= len(raw)):
                break
    except zlib.error as exc:
        raise InvalidArchiveError(
            f"corrupt DEFLATE data: {exc}", member=name, code="KF110"
        ) from exc
