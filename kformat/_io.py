"""Byte sources: a whole file mapped read-only, file-like windows into it,
anonymous spool files, and the budget of bytes a reader may copy out (spec §2.5, §12).

Weights are served as NumPy views into one read-only buffer (an ``mmap`` of
the file, of an anonymous temporary file that a stream or a DEFLATED member
was spooled to, or the bytes of a small in-memory source), so no weight is
copied twice (spec §10.2) and memory stays bounded whatever the file holds.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import stat
import tempfile
import weakref
from collections.abc import Iterable
from typing import IO, Any

from kformat.errors import UnsafeArchiveError

__all__ = [
    "Budget",
    "Buffer",
    "Window",
    "map_file",
    "read_stream",
    "release_pages",
    "source_of",
    "spool",
]

Buffer = bytes | mmap.mmap

_CHUNK = 1 << 20
#: A stream up to this size is kept in memory; a larger one is spooled to disk.
_IN_MEMORY = 16 << 20


class Budget:
    """The bytes one archive may still produce when inflated or copied out
    (``Limits.max_inflated_bytes``, spec §2.5): charged as the bytes appear,
    whatever sizes the file declares.

    A member is charged once: re-reading an asset that already inflated to
    its declared size with a matching CRC costs the caller's loop, not the
    file's budget.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._done: set[str] = set()

    def charged(self, member: str) -> bool:
        """Whether ``member`` was already produced in full once."""
        return member in self._done

    def charge(self, nbytes: int, member: str | None) -> None:
        """Count ``nbytes`` more; past the limit raise ``UnsafeArchiveError`` (KF108)."""
        self.used += nbytes
        if self.used > self.limit:
            raise UnsafeArchiveError(
                f"the archive's members inflate to more than max_inflated_bytes={self.limit}",
                member=member,
                code="KF108",
            )

    def done(self, member: str) -> None:
        self._done.add(member)


# mmap -> how to reopen the bytes it maps, for the HDF5 fork server
# (``_h5_server``): ("path", path, device, inode) or ("fd", descriptor).
_SOURCES: weakref.WeakKeyDictionary[mmap.mmap, tuple[Any, ...]] = weakref.WeakKeyDictionary()


def source_of(mm: mmap.mmap) -> tuple[Any, ...] | None:
    """How the file behind ``mm`` can be opened again, if kformat mapped it."""
    return _SOURCES.get(mm)


def _remember_fd(mm: mmap.mmap, fd: int) -> None:
    # An anonymous spool file (or a caller's stream) has no path to reopen: a
    # duplicate descriptor is kept open while the map lives.
    dup = os.dup(fd)
    _SOURCES[mm] = ("fd", dup)
    weakref.finalize(mm, os.close, dup)


def map_file(path: str | os.PathLike[str]) -> Buffer:
    """Map ``path`` read-only (an empty file gives ``b""``: mmap refuses it)."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_size == 0:
            return b""
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    _SOURCES[mm] = ("path", os.path.abspath(path), st.st_dev, st.st_ino)
    return mm


def spool(chunks: Iterable[bytes | memoryview]) -> Buffer:
    """Write ``chunks`` to an anonymous temporary file and map it read-only.

    The file has no name once created (it vanishes with the last reference
    to the map), and only one chunk is in memory at a time; the mapped pages
    are file-backed, so the kernel can drop them under memory pressure.
    """
    with tempfile.TemporaryFile() as f:
        for chunk in chunks:
            f.write(chunk)
        f.flush()
        if f.tell() == 0:
            return b""
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        _remember_fd(mm, f.fileno())
        return mm


def read_stream(fileobj: IO[bytes], max_bytes: int) -> Buffer:
    """Map a binary file object when it is a real file, else read it (at most
    ``max_bytes``; more raises ``ValueError``): in memory up to 16 MiB,
    spooled to an anonymous temporary file beyond, so a large stream is never
    held in memory."""
    try:
        fd = fileobj.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        fd = -1
    if fd >= 0:
        st = os.fstat(fd)
        if st.st_size == 0 and stat.S_ISREG(st.st_mode):  # a pipe also says 0: read it
            return b""
        try:
            mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
            _remember_fd(mm, fd)
            return mm
        except (OSError, ValueError):
            pass  # a pipe or special file: fall back to reading.
    head: list[bytes] = []
    total = 0
    for chunk in _chunks(fileobj, max_bytes):
        head.append(chunk)
        total += len(chunk)
        if total > _IN_MEMORY:
            return spool(_chain(head, _chunks(fileobj, max_bytes - total)))
    return b"".join(head)


def _chunks(fileobj: IO[bytes], max_bytes: int) -> Iterable[bytes]:
    total = 0
    while True:
        chunk = fileobj.read(_CHUNK)
        if not chunk:
            return
        if not isinstance(chunk, bytes):
            raise TypeError("source must be a binary file object (read() returned str)")
        total += len(chunk)
        if total > max_bytes:
            raise ValueError(f"stream is larger than the limit of {max_bytes} bytes")
        yield chunk


def _chain(head: list[bytes], rest: Iterable[bytes]) -> Iterable[bytes]:
    while head:
        yield head.pop(0)
    yield from rest


class Window(io.RawIOBase):
    """A read-only, seekable file over ``buf[start:start + length]``.

    h5py's file-object driver and ``zipfile`` read through it; nothing
    outside the window is reachable, whatever offsets the file declares.
    """

    def __init__(self, buf: Buffer, start: int = 0, length: int | None = None) -> None:
        super().__init__()
        if length is None:
            length = len(buf) - start
        if start < 0 or length < 0 or start + length > len(buf):
            raise ValueError("window outside the buffer")
        self._buf = buf
        self._start = start
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._length + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError("negative seek position")
        self._pos = pos
        return pos

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        if self._pos >= self._length:
            return 0
        n = min(len(view), self._length - self._pos)
        lo = self._start + self._pos
        view[:n] = self._buf[lo : lo + n]
        self._pos += n
        return n

    def read(self, size: int | None = -1) -> bytes:
        if self._pos >= self._length:
            return b""
        end = self._length if size is None or size < 0 else min(self._length, self._pos + size)
        lo = self._start + self._pos
        data = bytes(self._buf[lo : self._start + end])
        self._pos = end
        return data


def release_pages(buf: Buffer, start: int, length: int) -> None:
    """Drop mapped pages of ``buf[start:start+length]`` from this process's
    resident set (a no-op for bytes): they are re-read from the file if
    touched again, so a pass over a large mapped member keeps only the part
    being looked at resident."""
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if advice is None or not isinstance(buf, mmap.mmap):  # pragma: no cover - not Linux/macOS
        return
    lo = start - start % mmap.PAGESIZE
    hi = min(len(buf), start + length)
    if hi > lo:
        with contextlib.suppress(OSError, ValueError):
            buf.madvise(advice, lo, hi - lo)
