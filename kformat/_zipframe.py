"""The zip records around the members: end records, the entry walk, local headers,
data descriptors and the bytes between them (spec §2.6, rules KF108, KF114-KF116).

Two zip readers must see the same members in one file. Python's ``zipfile``
finds the end-of-central-directory record from the end and trusts the
central directory; a streaming reader walks local headers from the start;
others trust the entry count or the local header's sizes. Every place where
these can disagree is checked here, from the raw bytes, before ``zipfile``
parses a single entry: trailing data and a second end record (KF114), an
entry count, ZIP64 field or locator that disagrees with the directory
(KF116), and — per member — a local header or data descriptor whose method,
flags, CRC or sizes differ from the directory's (KF115). The entry count is
read from the end record and the directory walked with a cap, so a flood of
entries is refused in time proportional to the cap, not to the flood (KF108).
"""

from __future__ import annotations

import dataclasses
import struct
import zipfile

from kformat._io import Buffer
from kformat._rules import Sink

__all__ = ["EndRecord", "LocalRecord", "find_end", "hidden_records", "local_record"]

_END = struct.Struct("<4sHHHHIIH")
_END64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_SIG_END = b"PK\x05\x06"
_SIG_END64 = b"PK\x06\x06"
_SIG_LOCATOR = b"PK\x06\x07"
_SIG_CENTRAL = b"PK\x01\x02"
_SIG_LOCAL = b"PK\x03\x04"
_SIG_DESCRIPTOR = b"PK\x07\x08"
#: Records a zip reader acts on; none may hide in bytes no member covers.
_RECORD_SIGS = (_SIG_LOCAL, _SIG_CENTRAL, _SIG_END, _SIG_END64, _SIG_LOCATOR)
_SENTINEL32 = 0xFFFFFFFF
_SENTINEL16 = 0xFFFF
#: General-purpose flags whose meaning a reader depends on: 0 and 6
#: (encryption), 3 (sizes in a data descriptor), 11 (UTF-8 name).
_FLAGS_COMPARED = 0x0849
_MAX_COMMENT = 0xFFFF


@dataclasses.dataclass(frozen=True)
class EndRecord:
    """Where the central directory is and what the end records declare."""

    entries: int
    start_dir: int  # where the directory really starts (declared offset + prefix)
    cd_size: int
    end_of_records: int  # first byte after the directory: ZIP64 records or the end record


def find_end(buf: Buffer, sink: Sink, max_members: int) -> EndRecord | None:
    """Find the end record the way ``zipfile`` does, refuse what another
    reader could read differently, and walk the directory with a cap.

    Returns ``None`` (after reporting) when no member can be trusted.
    """
    n = len(buf)
    pos = _zipfile_end(buf)
    if pos is None:
        return None  # not a zip: zipfile reports KF101 with its own words
    (_, disk, disk_dir, count_disk, count, cd_size, cd_offset, comment_len) = _END.unpack(
        bytes(buf[pos : pos + _END.size])
    )
    if pos + _END.size + comment_len != n:
        sink.report(
            "KF114",
            f"{n - pos - _END.size - comment_len} bytes follow the end-of-central-directory "
            "record and its comment (trailing data or an appended archive)",
        )
        return None
    others = [p for p in _end_candidates(buf) if p != pos]
    if others:
        sink.report(
            "KF114",
            "two end-of-central-directory records both end the file (the archive comment "
            "holds a second one); readers disagree which is real",
        )
        return None
    end_of_records = pos
    zip64 = _zip64(buf, pos)
    if zip64 is not None:
        z_pos, z_count_disk, z_count, z_size, z_offset, locator_offset = zip64
        # Each end-record field either holds the value or says "see ZIP64".
        for declared, actual, what, sentinel in (
            (count, z_count, "entry count", _SENTINEL16),
            (count_disk, z_count_disk, "entry count on this disk", _SENTINEL16),
            (cd_size, z_size, "directory size", _SENTINEL32),
            (cd_offset, z_offset, "directory offset", _SENTINEL32),
        ):
            if declared not in (sentinel, actual):
                sink.report(
                    "KF116",
                    f"the end record's {what} {declared} disagrees with the ZIP64 record's "
                    f"{actual}",
                )
                return None
        count, count_disk, cd_size, cd_offset = z_count, z_count_disk, z_size, z_offset
        end_of_records = z_pos
        shift = z_pos - cd_size - cd_offset
        if locator_offset + shift != z_pos:
            sink.report("KF116", "the ZIP64 locator points elsewhere than the ZIP64 end record")
            return None
    else:
        shift = pos - cd_size - cd_offset
    if count != count_disk or disk != 0 or disk_dir != 0:
        sink.report("KF101", "archive spans several disks")
        return None
    if count > max_members:
        sink.report(
            "KF108",
            f"the end record declares {count} entries, above the limit of {max_members}",
        )
        return None
    start_dir = cd_offset + shift
    walked = _walk(buf, start_dir, cd_size, max_members) if start_dir >= 0 else None
    if walked is None:
        sink.report(
            "KF101",
            "not a readable zip archive: the central directory's entries do not fill the "
            "range its end record declares",
        )
        return None
    if walked > max_members:
        sink.report(
            "KF108",
            f"the central directory holds more than {max_members} entries",
        )
        return None
    if walked != count:
        sink.report(
            "KF116",
            f"the end record declares {count} entries but the central directory holds {walked}",
        )
        return None
    return EndRecord(count, start_dir, cd_size, end_of_records)


def _zipfile_end(buf: Buffer) -> int | None:
    """The end record ``zipfile._EndRecData`` picks: the last 22 bytes when they
    are a record without comment, else the last signature in the final 64 KiB."""
    n = len(buf)
    if n < _END.size:
        return None
    tail = bytes(buf[n - _END.size :])
    if tail[:4] == _SIG_END and tail[-2:] == b"\0\0":
        return n - _END.size
    lo = max(n - _MAX_COMMENT - _END.size - 1, 0)
    pos = buf.rfind(_SIG_END, lo)
    if pos < 0 or pos + _END.size > n:
        return None
    return pos


def _end_candidates(buf: Buffer) -> list[int]:
    """Every end-record signature in the final 64 KiB whose comment length makes
    the record end exactly at the end of the file."""
    n = len(buf)
    lo = max(n - _MAX_COMMENT - _END.size - 1, 0)
    found = []
    pos = buf.find(_SIG_END, lo)
    while 0 <= pos <= n - _END.size:
        (comment_len,) = struct.unpack("<H", bytes(buf[pos + 20 : pos + 22]))
        if pos + _END.size + comment_len == n:
            found.append(pos)
        pos = buf.find(_SIG_END, pos + 1)
    return found


def _zip64(buf: Buffer, pos: int) -> tuple[int, int, int, int, int, int] | None:
    """The ZIP64 end record where ``zipfile`` looks for it (right before its
    locator, no extensible data): position, counts, size, offset, locator's offset."""
    loc = pos - _LOCATOR64.size
    if loc < 0 or bytes(buf[loc : loc + 4]) != _SIG_LOCATOR:
        return None
    _, _, locator_offset, _ = _LOCATOR64.unpack(bytes(buf[loc:pos]))
    z_pos = loc - _END64.size
    if z_pos < 0 or bytes(buf[z_pos : z_pos + 4]) != _SIG_END64:
        return None
    fields = _END64.unpack(bytes(buf[z_pos:loc]))
    return z_pos, fields[6], fields[7], fields[8], fields[9], locator_offset


def _walk(buf: Buffer, start: int, size: int, cap: int) -> int | None:
    """Count directory entries in ``buf[start:start+size]``, stopping after ``cap + 1``."""
    end = start + size
    if end > len(buf):
        return None
    pos, count = start, 0
    while pos < end:
        if pos + _CENTRAL.size > end or bytes(buf[pos : pos + 4]) != _SIG_CENTRAL:
            return None
        name_len, extra_len, comment_len = struct.unpack("<HHH", bytes(buf[pos + 28 : pos + 34]))
        pos += _CENTRAL.size + name_len + extra_len + comment_len
        count += 1
        if count > cap:
            return count
    return count if pos == end else None


@dataclasses.dataclass(frozen=True)
class LocalRecord:
    """A member's local header as a streaming reader sees it."""

    data_offset: int
    end: int  # first byte after the data and its data descriptor


def local_record(buf: Buffer, info: zipfile.ZipInfo, sink: Sink) -> LocalRecord | None:
    """Check ``info``'s local header (and data descriptor) against the central
    directory: the name (KF111), then method, flags, CRC and sizes (KF115)."""
    name = info.filename
    start = info.header_offset
    header = bytes(buf[start : start + _LOCAL.size])
    if len(header) < _LOCAL.size:
        sink.report("KF110", "local header runs past the end", member=name)
        return None
    (sig, _, flags, method, _, _, crc, csize, usize, name_len, extra_len) = _LOCAL.unpack(header)
    if sig != _SIG_LOCAL:
        sink.report("KF110", "bad local header signature", member=name)
        return None
    raw_name = bytes(buf[start + 30 : start + 30 + name_len])
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if raw_name.decode(encoding, errors="replace") != info.orig_filename:
        sink.report(
            "KF111", "local header names a different file than the central directory", member=name
        )
        return None
    data_offset = start + 30 + name_len + extra_len
    data_end = data_offset + info.compress_size
    if data_end > len(buf):
        sink.report("KF110", "member data runs past the end of the file", member=name)
        return None
    if method != info.compress_type or (flags ^ info.flag_bits) & _FLAGS_COMPARED:
        sink.report(
            "KF115",
            f"local header says method {method}, flags {flags:#06x}; the central directory "
            f"says method {info.compress_type}, flags {info.flag_bits:#06x}",
            member=name,
        )
        return None
    extra = bytes(buf[start + 30 + name_len : data_offset])
    csize, usize = _local_sizes(extra, csize, usize)
    declared = (info.CRC, info.compress_size, info.file_size)
    if flags & 0x08:
        # Sizes deferred to a data descriptor: the local fields may be zero.
        if (crc, csize, usize) not in ((0, 0, 0), declared):
            sink.report(
                "KF115",
                "local header CRC or sizes disagree with the central directory",
                member=name,
            )
            return None
        length = _descriptor(buf, data_end, declared)
        if length is None:
            sink.report(
                "KF115",
                "data descriptor missing or disagrees with the central directory's CRC and sizes",
                member=name,
            )
            return None
        return LocalRecord(data_offset, data_end + length)
    if (crc, csize, usize) != declared:
        sink.report(
            "KF115",
            f"local header declares CRC {crc:#010x}, {csize} bytes stored, {usize} bytes; "
            f"the central directory {info.CRC:#010x}, {info.compress_size}, {info.file_size}",
            member=name,
        )
        return None
    return LocalRecord(data_offset, data_end)


def _local_sizes(extra: bytes, csize: int, usize: int) -> tuple[int, int]:
    """Sizes from the local ZIP64 extra field where the 32-bit fields hold the sentinel."""
    if _SENTINEL32 not in (csize, usize):
        return csize, usize
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 0x0001:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if usize == _SENTINEL32 and values:
                usize = values.pop(0)
            if csize == _SENTINEL32 and values:
                csize = values.pop(0)
            break
        pos += 4 + size
    return csize, usize


def _descriptor(buf: Buffer, pos: int, declared: tuple[int, int, int]) -> int | None:
    """Length of a data descriptor at ``pos`` that repeats ``declared`` (CRC,
    stored, uncompressed), in any of its four forms (signature optional; 4- or
    8-byte sizes), or ``None``."""
    crc, csize, usize = declared
    for sig_len in (4, 0):
        if sig_len and bytes(buf[pos : pos + 4]) != _SIG_DESCRIPTOR:
            continue
        for fmt in ("<III", "<IQQ"):
            size = struct.calcsize(fmt)
            raw = bytes(buf[pos + sig_len : pos + sig_len + size])
            if len(raw) == size and struct.unpack(fmt, raw) == (crc, csize, usize):
                return sig_len + size
    return None


def hidden_records(buf: Buffer, spans: list[tuple[int, int]], end: EndRecord, sink: Sink) -> None:
    """Report zip record signatures in bytes no member covers (KF114): before
    the first member (a prepended archive; other prepended bytes, such as a
    self-extractor stub, are allowed), between members, between the members
    and the directory, or between the directory and the end records."""
    gaps: list[tuple[int, int]] = []
    pos = 0
    for lo, hi in sorted(spans):
        if lo > pos:
            gaps.append((pos, lo))
        pos = max(pos, hi)
    if end.start_dir > pos:
        gaps.append((pos, end.start_dir))
    directory_end = end.start_dir + end.cd_size
    if end.end_of_records > directory_end:
        gaps.append((directory_end, end.end_of_records))
    for lo, hi in gaps:
        for sig in _RECORD_SIGS:
            if buf.find(sig, lo, hi) >= 0:
                where = "before the first member" if lo == 0 else f"at bytes {lo}-{hi}"
                sink.report(
                    "KF114",
                    f"zip records {where} that no central-directory entry covers (a "
                    "concatenated archive or hidden members another reader would see)",
                )
                return
