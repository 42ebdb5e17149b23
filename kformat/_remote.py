"""Files behind fsspec URLs (``s3://``, ``gs://``, ``file://``, ``memory://``), read in ranges.

Validating a ``.keras`` archive needs its zip directory, the local headers,
the JSON members and the HDF5 metadata of ``model.weights.h5``, never the
weight bytes (spec/format.md §2, §6). :class:`RemoteBuffer` looks like the
read-only buffers of ``kformat._io`` (length, slices, ``find``/``rfind``) and
fetches what a slice touches in aligned blocks of :data:`BLOCK` bytes, each
once, so the zip reader and the HDF5 walk read the same code paths they read
a mapped file with, and only the blocks they touch cross the network.

The isolated HDF5 walk (``kformat._h5_isolate``) runs in a forked child: the
child inherits the buffer and fetches the metadata blocks libhdf5 asks for
itself, through a filesystem instance of its own (an inherited client of an
asynchronous filesystem, such as s3fs, is bound to the parent's event loop).
The count of fetched bytes sits in a shared anonymous mapping, so the
child's fetches are counted too. fsspec is optional (the ``remote`` extra).
"""

from __future__ import annotations

import mmap
import os
import re
import struct
from typing import Any

__all__ = ["BLOCK", "RemoteBuffer", "is_url", "list_url", "open_url", "require_fsspec"]

#: bytes fetched per range request (HDF5 metadata is a few hundred bytes per object)
BLOCK = 4096
#: blocks kept per buffer; beyond this the oldest are dropped (refetched if needed)
_MAX_BLOCKS = 4096
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_COUNT = struct.Struct("<QQ")


def is_url(arg: str) -> bool:
    """Whether a command-line argument names an fsspec URL (``scheme://...``)."""
    return bool(_URL.match(arg))


def require_fsspec() -> Any:
    """The ``fsspec`` module, or ``ImportError`` with the way to install it."""
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError(
            "URL inputs need the optional fsspec package: pip install 'kformat[remote]'"
        ) from None
    return fsspec


def _filesystem(url: str, *, fresh: bool = False) -> tuple[Any, str]:
    fsspec = require_fsspec()
    protocol, _, _ = url.partition("://")
    cls = fsspec.get_filesystem_class(protocol)
    options = cls._get_kwargs_from_urls(url)
    fs = fsspec.filesystem(protocol, skip_instance_cache=fresh, **options)
    return fs, cls._strip_protocol(url)


class RemoteBuffer:
    """A read-only, lazily fetched view of the object at ``url`` (``size`` bytes)."""

    def __init__(self, url: str, size: int | None = None) -> None:
        self.url = url
        fs, self._path = _filesystem(url)
        self._size = int(fs.size(self._path)) if size is None else size
        self._open(fs)
        self._blocks: dict[int, bytes] = {}
        # (bytes fetched, range requests) shared with forked children
        self._shared = mmap.mmap(-1, _COUNT.size)

    def _open(self, fs: Any) -> None:
        self._pid = os.getpid()
        # No read-ahead cache: each read is one range request of what we ask.
        self._file = fs.open(self._path, "rb", block_size=BLOCK, cache_type="none")

    @property
    def fetched(self) -> int:
        """Bytes fetched so far, by this process and the children it forked."""
        return int(_COUNT.unpack(self._shared[:])[0])

    @property
    def requests(self) -> int:
        return int(_COUNT.unpack(self._shared[:])[1])

    def __len__(self) -> int:
        return self._size

    def _block(self, i: int) -> bytes:
        data = self._blocks.get(i)
        if data is not None:
            return data
        if self._pid != os.getpid():  # a forked child: a client of its own
            self._blocks = {}
            self._open(_filesystem(self.url, fresh=True)[0])
        lo = i * BLOCK
        self._file.seek(lo)
        data = bytes(self._file.read(min(BLOCK, self._size - lo)))
        fetched, requests = _COUNT.unpack(self._shared[:])
        self._shared[:] = _COUNT.pack(fetched + len(data), requests + 1)
        if len(self._blocks) >= _MAX_BLOCKS:
            self._blocks.pop(next(iter(self._blocks)))
        self._blocks[i] = data
        return data

    def _range(self, lo: int, hi: int) -> bytes:
        lo, hi = max(0, lo), min(self._size, hi)
        if hi <= lo:
            return b""
        first, last = lo // BLOCK, (hi - 1) // BLOCK
        data = b"".join(self._block(i) for i in range(first, last + 1))
        return data[lo - first * BLOCK : hi - first * BLOCK]

    def __getitem__(self, key: int | slice) -> Any:
        if isinstance(key, int):
            if key < 0:
                key += self._size
            if not 0 <= key < self._size:
                raise IndexError("index out of range")
            return self._range(key, key + 1)[0]
        start, stop, step = key.indices(self._size)
        if step != 1:
            raise ValueError("only contiguous slices")
        return self._range(start, stop)

    def find(self, sub: bytes, start: int = 0, end: int | None = None) -> int:
        end = self._size if end is None else min(end, self._size)
        pos = self._range(start, end).find(sub)
        return pos if pos < 0 else start + pos

    def rfind(self, sub: bytes, start: int = 0, end: int | None = None) -> int:
        end = self._size if end is None else min(end, self._size)
        start = max(0, start)
        pos = self._range(start, end).rfind(sub)
        return pos if pos < 0 else start + pos


def open_url(url: str) -> RemoteBuffer:
    """A :class:`RemoteBuffer` over ``url``.

    Raises:
        ImportError: fsspec is not installed.
        OSError: the object does not exist or cannot be opened.
    """
    return RemoteBuffer(url)


def list_url(url: str, suffixes: tuple[str, ...]) -> tuple[bool, list[str], list[str]]:
    """``(is a directory, URLs below it whose names end in suffixes, unzipped
    model directories below it)``, sorted. Objects inside a model directory
    (a prefix holding ``config.json``) are not listed: that directory is one
    model, which is validated from a local copy only."""
    fs, path = _filesystem(url)
    if not fs.isdir(path):
        return False, [url], []
    everything = sorted(fs.find(path))
    models = sorted({p.rpartition("/")[0] for p in everything if p.endswith("/config.json")})

    def in_model(p: str) -> bool:
        return any(p.startswith(m + "/") for m in models)

    found = [p for p in everything if p.lower().endswith(suffixes) and not in_model(p)]
    return True, [fs.unstrip_protocol(p) for p in found], [fs.unstrip_protocol(m) for m in models]
