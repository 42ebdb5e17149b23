"""Byte sources: a whole file mapped read-only, and file-like windows into it.

Weights are served as NumPy views into one read-only buffer (an ``mmap`` of
the file, or the bytes of an in-memory source), so no weight is copied twice
(spec §10.2).
"""

from __future__ import annotations

import io
import mmap
import os
import stat
from typing import IO, Any

__all__ = ["Buffer", "Window", "map_file", "read_stream"]

Buffer = bytes | mmap.mmap

_CHUNK = 1 << 20


def map_file(path: str | os.PathLike[str]) -> Buffer:
    """Map ``path`` read-only (an empty file gives ``b""``: mmap refuses it)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def read_stream(fileobj: IO[bytes], max_bytes: int) -> Buffer:
    """Map a binary file object when it is a real file, else read it whole
    (at most ``max_bytes``; more raises ``ValueError``)."""
    try:
        fd = fileobj.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        fd = -1
    if fd >= 0:
        st = os.fstat(fd)
        if st.st_size == 0 and stat.S_ISREG(st.st_mode):  # a pipe also says 0: read it
            return b""
        try:
            return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            pass  # a pipe or special file: fall back to reading.
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = fileobj.read(_CHUNK)
        if not chunk:
            break
        if not isinstance(chunk, bytes):
            raise TypeError("source must be a binary file object (read() returned str)")
        total += len(chunk)
        if total > max_bytes:
            raise ValueError(f"stream is larger than the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


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
