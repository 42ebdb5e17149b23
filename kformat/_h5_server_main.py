"""The fork server's own loop, run in the server process (spec §6.11).

Kept apart from :mod:`kformat._h5_server`, the caller's side: the loop walks files
with :mod:`kformat._h5` and :mod:`kformat._h5_isolate`, which start requests through
the caller's side, so one module holding both would import itself in a circle.
"""

from __future__ import annotations

import mmap
import os
import pickle
import signal
import socket
import sys

from kformat import _h5, _h5_isolate
from kformat._h5_server import _LEN, _MAX_REQUEST, _recv_exact
from kformat._io import Buffer, Window

__all__ = ["serve"]


def serve() -> None:  # pragma: no cover - runs in the server process
    """The server's loop: each request is walked here, in this small process
    (a fork per request would pay copy-on-write faults for every page the
    walk touches). The caller kills the server at a deadline; a crash ends it;
    after a file that was not clean it exits on its own. The caller starts a
    new one when it needs one."""
    sock = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller's Ctrl-C is the caller's
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, _LEN.size, 2)
            if len(msg) < _LEN.size or len(fds) != 2:
                return
            (size,) = _LEN.unpack(msg)
            if size > _MAX_REQUEST:
                return
            spec, offset, length = pickle.loads(_recv_exact(sock, size))
            sock.sendall(os.getpid().to_bytes(8, "little", signed=True))
        except (OSError, EOFError, pickle.UnpicklingError, ValueError):
            return
        data_fd, wfd = fds
        size_of_file = os.fstat(data_fd).st_size
        mm: Buffer = (
            mmap.mmap(data_fd, size_of_file, access=mmap.ACCESS_READ) if size_of_file else b""
        )
        os.close(data_fd)
        clean = _h5_isolate.serve_request(_h5.work_for(spec, Window(mm, offset, length)), wfd, spec)
        del mm  # unmapped once the walk's last view of it is gone
        if not clean:
            return
