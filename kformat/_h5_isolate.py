"""Run libhdf5 on untrusted bytes in a forked child with a deadline (spec §6.11).

The HDF5 C library parses a weights file's metadata (superblock, object
headers, B-trees, heaps) before kformat can check anything, and on corrupted
metadata it can block: a one-byte change to the size of a global-heap
object holding a variable-length attribute makes ``H5Aread`` spin for
minutes (HDF5 1.14.6, h5py 3.14), and a one-byte change to an attribute's
type bits makes it die of SIGSEGV, which would take the caller with it.

So the walk runs in a child forked from the caller, which inherits the
mapped file (no copy) and the imported modules (no start-up), and sends its
results back through a pipe: pickled metadata plus raw array bytes, one item
at a time, read straight into their final buffers. The child sends a tick
as objects finish; the parent kills it after ``Limits.h5_stall_ms`` without
one, or ``h5_deadline_ms`` in all (KF429), and a child that dies without
answering is a crash (KF430). Reports the child's sink received are
replayed, in order, into the caller's sink.

``fork`` after threads is safe here because the child touches only h5py and
NumPy: h5py's global lock is held across the fork (so no other thread owns
it in the child), CPython re-creates the GIL and import lock, and glibc's
malloc has its own fork handlers. Where ``fork`` is unavailable (Windows,
macOS, where it is unsafe with system frameworks) or the caller passes
``h5_in_process`` for trusted input, the same code runs in-process.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import mmap
import os
import pickle
import select
import signal
import struct
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from kformat._io import Window
from kformat._limits import Limits
from kformat._rules import RULES, Sink
from kformat.errors import (
    InvalidArchiveError,
    KFormatError,
    UnsafeArchiveError,
    UnsupportedFeatureError,
)

__all__ = ["CAN_ISOLATE", "run"]

CAN_ISOLATE = hasattr(os, "fork") and sys.platform.startswith(("linux", "freebsd"))
_ERRORS: dict[str, type[KFormatError]] = {
    cls.__name__: cls
    for cls in (KFormatError, InvalidArchiveError, UnsafeArchiveError, UnsupportedFeatureError)
}
_HEAD = struct.Struct("<QI")
_SIZE = struct.Struct("<Q")
# Address space the child may add to what it inherits: the decoded-bytes
# budget plus room for libhdf5's metadata cache and NumPy temporaries.
_SLACK = 512 << 20


class _Recorder(Sink):
    """A sink that behaves as the caller's (raising or collecting) and
    remembers every report, so the parent can replay them."""

    def __init__(self, *, collect: bool) -> None:
        super().__init__(collect=collect)
        self.calls: list[tuple[Any, ...]] = []

    def report(
        self,
        code: str,
        message: str,
        *,
        member: str | None = None,
        path: str | None = None,
        severity: Any = None,
        schema_path: str | None = None,
    ) -> None:
        self.calls.append((code, message, member, path, severity, schema_path))
        super().report(
            code, message, member=member, path=path, severity=severity, schema_path=schema_path
        )


Work = Callable[[Sink], Iterator[Any]]


def run(
    work: Work,
    *,
    sink: Sink,
    limits: Limits,
    member: str,
    spec: tuple[Any, ...] | None = None,
    window: Any = None,
) -> list[Any] | None:
    """Everything ``work(sink)`` yields, computed in a child with a deadline.

    ``work`` may raise ``KFormatError``; it is raised again here, after the
    reports made before it were replayed into ``sink``. ``None`` when the
    child was stopped or crashed and ``sink`` collects (KF429/KF430 reported).

    Raises:
        KFormatError: from ``work``, or KF429 (deadline) / KF430 (crash)
            when ``sink`` raises.
    """
    if limits.h5_in_process or not CAN_ISOLATE:
        return list(work(sink))
    start = time.monotonic()
    deadline = start + limits.h5_deadline_ms / 1000
    stall = start + limits.h5_stall_ms / 1000
    rfd, wfd = os.pipe()
    ours = True
    pid: int | None = None
    if spec is not None and isinstance(window, Window) and _use_server():
        # A large caller forks slowly (§6.11): the fork server's child does it.
        # Imported here: sockets and subprocess are start-up cost a one-file CLI run never needs.
        from kformat import _h5_server

        pid = _h5_server.start_request(window, spec, wfd, timeout=limits.h5_stall_ms / 1000)
        ours = pid is None
    if pid is None:
        pid = _fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            os.close(rfd)
            _child(work, wfd, collect=sink.collect, limits=limits)
    os.close(wfd)
    items: list[Any] = []
    finished = False
    try:
        while not items or items[-1][0] == "item":
            item = _receive(rfd, min(deadline, stall), most=limits.max_h5_decoded_bytes + _SLACK)
            if item is None:
                finished = True
                break
            if item[0] == "tick":
                stall = time.monotonic() + limits.h5_stall_ms / 1000
                continue
            items.append(item)
        else:
            finished = True  # "done" or "raise": the stream is complete
    except EOFError:
        pass  # the child died mid-item: reported as a crash below
    except TimeoutError:
        late = time.monotonic() >= deadline
        sink.report(
            "KF429",
            f"the HDF5 library did not finish within {limits.h5_deadline_ms} ms"
            if late
            else f"the HDF5 library made no progress for {limits.h5_stall_ms} ms "
            "(corrupted metadata can make it loop)",
            member=member,
        )
        return None
    finally:
        os.close(rfd)
        if ours:
            _reap(pid)
        elif not finished:
            # The server is still inside this request: stop it (a new one
            # starts with the next request).
            from kformat import _h5_server

            _h5_server.stop(pid)
    if not items or items[-1][0] not in ("done", "raise"):
        sink.report(
            "KF430",
            "the HDF5 library crashed reading this file (corrupted metadata)",
            member=member,
        )
        return None
    calls, last = items[-1][1], items[-1]
    for code, message, where, path, severity, schema_path in calls:
        if last[0] == "raise" and not sink.collect and (severity or "error") == "error":
            continue  # raised below, as the child raised it
        sink.report(
            code, message, member=where, path=path, severity=severity, schema_path=schema_path
        )
    if last[0] == "raise":
        _, _, name, message, where, path, code = last
        raise _ERRORS.get(name, KFormatError)(message, member=where, path=path, code=code)
    return [item[1] for item in items[:-1]]


def progress() -> None:
    """Tell the parent the walk is moving (at most every 100 ms); a no-op
    outside the child. A loop inside one libhdf5 call sends nothing, so the
    parent's stall timer (``h5_stall_ms``) catches it."""
    global _last_tick
    if _tick_fd is None:
        return
    now = time.monotonic()
    if now - _last_tick >= 0.1:
        _last_tick = now
        _send(_tick_fd, ("tick",))


_tick_fd: int | None = None
_last_tick = 0.0


def _fork() -> int:
    # h5py's lock, held across fork: no other thread can be inside h5py at the
    # moment of the fork, so the child never finds it taken by a thread it
    # does not have.
    from h5py._objects import phil

    with phil, warnings.catch_warnings():
        # Python 3.12+ (DeprecationWarning) and JAX's at-fork hook (RuntimeWarning)
        # warn about forking with threads; the child here runs only h5py/NumPy.
        warnings.filterwarnings("ignore", message=r".*fork", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*fork", category=RuntimeWarning)
        return os.fork()


def _produce(work: Work, wfd: int, *, collect: bool) -> bool:  # pragma: no cover
    """Send what ``work`` yields, then its reports; whether the file was clean
    (nothing raised, no error reported)."""
    global _tick_fd
    _tick_fd = wfd
    rec = _Recorder(collect=collect)
    try:
        for item in work(rec):
            _send(wfd, ("item", item))
        _send(wfd, ("done", rec.calls))
        return not any((call[4] or RULES[call[0]].severity) == "error" for call in rec.calls)
    except KFormatError as exc:
        last = (type(exc).__name__, exc.message, exc.member, exc.path, exc.code)
        _send(wfd, ("raise", rec.calls, *last))
        return False
    finally:
        _tick_fd = None


def _child(work: Work, wfd: int, *, collect: bool, limits: Limits) -> None:  # pragma: no cover
    code = 0
    try:
        # A collection would touch every inherited object and copy their pages;
        # the child is short-lived and its garbage dies with it.
        gc.disable()
        # A crash is reported as KF430; no traceback on the caller's stderr.
        faulthandler.disable()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _cap_memory(limits)
        _produce(work, wfd, collect=collect)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def serve_request(work: Work, wfd: int, spec: tuple[Any, ...]) -> bool:  # pragma: no cover
    """The HDF5 server runs one request itself (``_h5_server``); ``spec``
    carries the limits and the sink mode. Whether the server may take another
    request: only after a clean file, so no state a hostile file left in
    libhdf5 reaches the next one."""
    faulthandler.disable()
    before = _address_limit()
    _cap_memory(spec[2])
    try:
        return _produce(work, wfd, collect=spec[3])
    except BaseException:
        return False
    finally:
        os.close(wfd)
        # The cap is computed from this request's mappings; the next request
        # maps its file before capping again, so a stale cap would refuse a
        # file larger than this one by ~640 MB (ENOMEM in mmap: a false KF430).
        _restore_address_limit(before)


#: callers with more resident memory than this use the fork server
SERVER_ABOVE = 256 << 20


#: ... and so do callers that have already isolated this many files (the
#: server's one start-up is then cheaper than the forks it saves)
SERVER_AFTER = 8
_requests = 0


def _use_server() -> bool:
    global _requests
    _requests += 1
    return _requests > SERVER_AFTER or _large_caller()


def _large_caller() -> bool:
    try:
        with open("/proc/self/statm", "rb") as f:
            resident = int(f.read().split()[1]) * mmap.PAGESIZE
    except (OSError, ValueError, IndexError):
        return False
    return resident > SERVER_ABOVE


def _address_limit() -> tuple[int, int] | None:
    try:
        import resource

        return resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None


def _restore_address_limit(limit: tuple[int, int] | None) -> None:
    if limit is None:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, limit)
    except (OSError, ValueError):
        pass


def _cap_memory(limits: Limits) -> None:  # pragma: no cover - runs in the child
    """Bound what corrupted metadata can make libhdf5 allocate in the child."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        cap = vm + limits.max_h5_decoded_bytes + _SLACK
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError, StopIteration, ImportError):
        pass


def _send(fd: int, item: Any) -> None:  # pragma: no cover - runs in the child
    buffers: list[pickle.PickleBuffer] = []
    main = pickle.dumps(item, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    head = _HEAD.pack(len(main), len(raws)) + b"".join(_SIZE.pack(r.nbytes) for r in raws)
    for chunk in (memoryview(head), memoryview(main), *raws):
        while chunk.nbytes:
            chunk = chunk[os.write(fd, chunk) :]


def _receive(fd: int, deadline: float, *, most: int) -> Any | None:
    """One item from the child, or ``None`` at end of stream; an item claiming
    more than ``most`` bytes means a corrupted child (``EOFError``)."""
    head = _read_exact(fd, _HEAD.size, deadline, eof_ok=True)
    if head is None:
        return None
    size, count = _HEAD.unpack(head)
    if count > 1024:
        raise EOFError
    sizes = [_SIZE.unpack(_read_exact(fd, _SIZE.size, deadline))[0] for _ in range(count)]
    if size + sum(sizes) > most:
        raise EOFError
    main = _read_exact(fd, size, deadline)
    buffers = [_read_exact(fd, n, deadline) for n in sizes]
    # The bytes come from kformat's own code in the child, which produced them
    # from checked metadata; they never come from the file itself.
    return pickle.loads(main, buffers=buffers)


def _read_exact(fd: int, size: int, deadline: float, *, eof_ok: bool = False) -> Any:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    # poll, not select: a process holding many mapped shards has descriptors
    # above select's FD_SETSIZE.
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while got < size:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise TimeoutError
        n = os.readv(fd, [view[got:]])
        if n == 0:
            if eof_ok and got == 0:
                return None
            raise EOFError
        got += n
    return buf


def _reap(pid: int) -> None:
    """Kill (if still running) and wait for the child: by now it has sent
    everything, missed the deadline, or the caller was interrupted."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
