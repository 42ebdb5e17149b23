"""Streaming, deterministic writer for the ``.keras`` zip container (spec §10.1).

Python's ``zipfile`` needs a member's bytes in memory before writing it; for a
model of several GiB that means building the whole HDF5 image in RAM and then
copying it. This writer instead reserves the local header of the weights
member, lets HDF5 write straight into the output file behind it, then fills
in the CRC and sizes. Entries match what Keras writes (STORED, 1980-01-01,
mode 0600, create_system 3); the weights data starts on a 64-byte boundary
thanks to an alignment extra field (Android zipalign's ID 0xD935), which
zip readers, Keras included, skip.
"""

from __future__ import annotations

import dataclasses
import io
import mmap
import struct
import zlib
from collections.abc import Callable
from typing import IO, Any

__all__ = ["ALIGNMENT", "ZipStreamWriter"]

ALIGNMENT = 64
_SENTINEL = 0xFFFFFFFF  # a 32-bit field whose real value is in the ZIP64 extra
# Values at or above this need ZIP64 (a module constant so tests can lower it).
_ZIP64_LIMIT = _SENTINEL
_COUNT_LIMIT = 0xFFFF
_ALIGN_ID = 0xD935
_ZIP64_ID = 0x0001
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_DOS_TIME = 0
_EXTERNAL_ATTR = 0o600 << 16  # as Keras' zipfile writes it
_VERSION_MADE = (3 << 8) | 20  # Unix, zip 2.0
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_END64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")


def _field(value: int) -> int:
    """A 32-bit size/offset field: the value, or the sentinel when ZIP64 holds it."""
    return _SENTINEL if value >= _ZIP64_LIMIT else value


def _flags(name: bytes) -> int:
    """General-purpose flags: bit 11 marks a UTF-8 name, set (as zipfile does)
    only when the name is not plain ASCII."""
    return 0 if name.isascii() else 0x800


@dataclasses.dataclass
class _Entry:
    name: bytes
    offset: int
    crc: int
    size: int


class _Region(io.RawIOBase):
    """A writable, seekable view of ``f`` from ``base`` to the end of file."""

    def __init__(self, f: IO[bytes], base: int) -> None:
        super().__init__()
        self._f = f
        self._base = base
        self._pos = 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self._f.seek(0, io.SEEK_END) - self._base + offset
        return self._pos

    def readinto(self, b: Any) -> int:
        self._f.seek(self._base + self._pos)
        n = self._f.readinto(b)  # type: ignore[attr-defined]
        self._pos += n or 0
        return n or 0

    def write(self, b: Any) -> int:
        self._f.seek(self._base + self._pos)
        n = self._f.write(b)
        self._pos += n
        return n

    def truncate(self, size: int | None = None) -> int:
        size = self._pos if size is None else size
        self._f.truncate(self._base + size)
        return size

    def flush(self) -> None:
        self._f.flush()


def _crc_of(f: IO[bytes], start: int, length: int) -> int:
    """CRC-32 of ``length`` bytes at ``start``, read back (HDF5 writes out of order)."""
    if length == 0:
        return 0
    f.flush()
    step = 1 << 24
    crc = 0
    try:
        mm: mmap.mmap | None = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        mm = None  # an in-memory stream: read it back instead
    if mm is None:
        f.seek(start)
        remaining = length
        while remaining:
            chunk = f.read(min(step, remaining))
            if not chunk:
                raise OSError("the output file is shorter than what was written")
            crc = zlib.crc32(chunk, crc)
            remaining -= len(chunk)
        return crc
    with mm:
        for lo in range(start, start + length, step):
            crc = zlib.crc32(mm[lo : min(lo + step, start + length)], crc)
    return crc


class ZipStreamWriter:
    """Write members in order to a seekable, readable binary file."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self._entries: list[_Entry] = []

    def _local_header(self, name: bytes, crc: int, size: int, extra: bytes) -> bytes:
        version = 45 if size >= _ZIP64_LIMIT else 20
        field = _field(size)
        return (
            _LOCAL.pack(
                b"PK\x03\x04",
                version,
                _flags(name),
                0,
                _DOS_TIME,
                _DOS_DATE,
                crc,
                field,
                field,
                len(name),
                len(extra),
            )
            + name
        )

    def add(self, name: str, data: bytes) -> None:
        """Append a small member (JSON documents, assets)."""
        raw = name.encode("utf-8")
        offset = self._f.tell()
        crc = zlib.crc32(data)
        extra = self._zip64_local(len(data)) if len(data) >= _ZIP64_LIMIT else b""
        self._f.write(self._local_header(raw, crc, len(data), extra) + extra)
        self._f.write(data)
        self._entries.append(_Entry(raw, offset, crc, len(data)))

    @staticmethod
    def _zip64_local(size: int) -> bytes:
        return struct.pack("<HHQQ", _ZIP64_ID, 16, size, size)

    def add_streamed(self, name: str, produce: Callable[[io.RawIOBase], None]) -> None:
        """Append a member whose bytes ``produce`` writes into a file-like region
        (random access allowed); its data starts on an ``ALIGNMENT`` boundary."""
        raw = name.encode("utf-8")
        offset = self._f.tell()
        # Room for a ZIP64 extra (20 bytes) in case the member turns out >= 4 GiB,
        # then alignment padding; both are rewritten once the size is known.
        fixed = offset + _LOCAL.size + len(raw) + 20 + 6
        pad = (-fixed) % ALIGNMENT
        extra_len = 20 + 6 + pad
        data_start = offset + _LOCAL.size + len(raw) + extra_len
        self._f.write(b"\x00" * (data_start - offset))
        produce(_Region(self._f, data_start))
        end = self._f.seek(0, io.SEEK_END)
        size = end - data_start
        crc = _crc_of(self._f, data_start, size)
        if size >= _ZIP64_LIMIT:
            extra = self._zip64_local(size) + self._align_extra(extra_len - 20)
        else:
            extra = self._align_extra(extra_len)
        self._f.seek(offset)
        self._f.write(self._local_header(raw, crc, size, extra) + extra)
        self._f.seek(end)
        self._entries.append(_Entry(raw, offset, crc, size))

    @staticmethod
    def _align_extra(total: int) -> bytes:
        return struct.pack("<HHH", _ALIGN_ID, total - 4, ALIGNMENT) + b"\x00" * (total - 6)

    def close(self) -> None:
        """Write the central directory (ZIP64 records only when needed)."""
        start = self._f.tell()
        for e in self._entries:
            # The ZIP64 extra holds exactly the fields set to the sentinel, in the
            # order uncompressed size, compressed size, header offset (APPNOTE 4.5.3).
            big = [v for v in (e.size, e.size, e.offset) if v >= _ZIP64_LIMIT]
            extra = b""
            if big:
                extra = struct.pack(f"<HH{len(big)}Q", _ZIP64_ID, 8 * len(big), *big)
            version = 45 if big else 20
            self._f.write(
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    _VERSION_MADE,
                    version,
                    _flags(e.name),
                    0,
                    _DOS_TIME,
                    _DOS_DATE,
                    e.crc,
                    _field(e.size),
                    _field(e.size),
                    len(e.name),
                    len(extra),
                    0,
                    0,
                    0,
                    _EXTERNAL_ATTR,
                    _field(e.offset),
                )
                + e.name
                + extra
            )
        end = self._f.tell()
        count, size = len(self._entries), end - start
        if count >= _COUNT_LIMIT or start >= _ZIP64_LIMIT or size >= _ZIP64_LIMIT:
            self._f.write(
                _END64.pack(b"PK\x06\x06", 44, _VERSION_MADE, 45, 0, 0, count, count, size, start)
            )
            self._f.write(_LOCATOR64.pack(b"PK\x06\x07", 0, end, 1))
        self._f.write(
            _END.pack(
                b"PK\x05\x06",
                0,
                0,
                0xFFFF if count >= _COUNT_LIMIT else count,
                0xFFFF if count >= _COUNT_LIMIT else count,
                _field(size),
                _field(start),
                0,
            )
        )
        self._f.flush()
