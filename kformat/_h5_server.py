"""A small fork server for the isolated HDF5 walk of large callers (spec §6.11).

``fork`` copies the caller's page tables, and afterwards every page the caller
writes faults once: for a caller of a few hundred megabytes (TensorFlow or JAX
imported, a model loaded) that costs tens of milliseconds of system time per
file, more than the walk itself. Such callers hand the work to this server
instead: a fresh interpreter that imports only kformat's HDF5 modules (h5py,
NumPy), started once per caller process, which walks one file per request
under the same deadlines and address-space cap as a forked child. The caller
kills it at a deadline (KF429), its death mid-request is a crash (KF430), and
it exits by itself after any file that was not clean, so no state a hostile
file leaves in libhdf5 reaches the next request; the caller then starts a new
one.

A request names the work as data, never code: ``("load", member, limits,
decode, decoded_before)`` or ``("read", member, limits, wanted)``, plus the
region of the HDF5 image (offset and length) inside a file descriptor passed
with ``SCM_RIGHTS``, and the write end of the pipe the caller reads results
from. The server answers with its pid before it starts, so the caller can kill it
at the deadline. Anything unexpected (no server, a dead server, a buffer without
a file behind it) makes the caller fall back to forking itself.
"""

from __future__ import annotations

import atexit
import contextlib
import mmap
import os
import pickle
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from kformat._io import Buffer, Window, source_of

__all__ = ["start_request", "stop"]

_LEN = struct.Struct("<I")
_MAX_REQUEST = 1 << 24
# Buffers without a file behind them (small in-memory archives) are copied
# into a memfd up to this size; larger ones take the direct path.
_MAX_COPY = 64 << 20

_lock = threading.Lock()
_server: tuple[subprocess.Popen[bytes], socket.socket] | None = None


def _forget_in_child() -> None:
    # A process forked from the caller (multiprocessing, kformat's own direct
    # child) must not share the caller's server socket or find its lock taken.
    global _lock, _server
    _lock = threading.Lock()
    _server = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def _data_fd(buf: Buffer, start: int, length: int) -> tuple[int, int] | None:
    """A new descriptor holding ``buf`` and the offset of ``start`` in it."""
    if isinstance(buf, mmap.mmap):
        source = source_of(buf)
        if source is None:
            return None
        if source[0] == "fd":
            return os.dup(source[1]), start
        _, path, dev, ino = source
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != (dev, ino):  # replaced since it was mapped
            os.close(fd)
            return None
        return fd, start
    if not isinstance(buf, bytes) or length > _MAX_COPY or not hasattr(os, "memfd_create"):
        # A lazily fetched buffer (kformat._remote) stays with the forked child,
        # which fetches only the metadata blocks libhdf5 reads.
        return None
    fd = os.memfd_create("kformat-h5")
    view = memoryview(buf)[start : start + length]
    try:
        while view.nbytes:
            view = view[os.write(fd, view) :]
    finally:
        view.release()
    return fd, 0


def stop(pid: int) -> None:
    """Kill the server ``pid`` (stuck in a request) and forget it."""
    global _server
    with _lock:
        if _server is not None and _server[0].pid == pid:
            proc, sock = _server
            _server = None
            sock.close()
            proc.kill()
            proc.wait()


@atexit.register
def _stop() -> None:
    """Close the server's socket (it exits when the caller goes) and wait for it."""
    global _server
    if _server is not None:
        proc, sock = _server
        _server = None
        sock.close()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _spawn() -> tuple[subprocess.Popen[bytes], socket.socket]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kformat._h5_server_main import serve; serve()",
            str(theirs.fileno()),
        ],
        pass_fds=(theirs.fileno(),),
        stdin=subprocess.DEVNULL,
        env=env,
        close_fds=True,
    )
    theirs.close()
    return proc, ours


def start_request(window: Window, spec: tuple[Any, ...], wfd: int, *, timeout: float) -> int | None:
    """Ask the server to fork a child running ``spec`` on ``window``, writing
    to ``wfd``; the child's pid, or ``None`` when the server cannot (the
    caller then forks itself)."""
    global _server
    opened = _data_fd(window._buf, window._start, window._length)
    if opened is None:
        return None
    fd, offset = opened
    payload = pickle.dumps((spec, offset, window._length), protocol=5)
    try:
        with _lock:
            for _attempt in range(2):
                fresh = _server is None or _server[0].poll() is not None
                if fresh:
                    _server = _spawn()
                assert _server is not None
                proc, sock = _server
                try:
                    # A new server first imports h5py: allow for a loaded machine.
                    sock.settimeout(max(timeout, 30.0) if fresh else timeout)
                    socket.send_fds(sock, [_LEN.pack(len(payload)) + payload], [fd, wfd])
                    reply = _recv_exact(sock, 8)
                    return int.from_bytes(reply, "little", signed=True)
                except OSError:
                    with contextlib.suppress(OSError):
                        proc.kill()
                    _server = None
            return None
    finally:
        os.close(fd)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the HDF5 server closed its socket")
        data += chunk
    return data
