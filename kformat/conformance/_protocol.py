"""How the harness talks to an adapter: one process per case, or one persistent process.

``argv`` (the default): the command runs once per case with the case in its arguments
and prints one JSON object on stdout (conformance/README.md, "Reader contract").

``lines``: the command starts once per parallel job and reads requests from stdin, one
JSON object per line, each with an ``"id"``; for each it prints one JSON object on one
line of stdout carrying the same ``"id"`` (other stdout lines are ignored; logs belong on
stderr). A reply that does not come within the timeout, or a process that exits, fails
that case; the process is then killed and a fresh one started for the next case. Closing
stdin asks the process to exit.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

__all__ = ["AdapterPool", "Reply", "parse_verdict", "tail"]

PROTOCOLS = ("argv", "lines")


class Reply:
    """What one call gave: the JSON object (or ``None``), stderr, and why it failed."""

    def __init__(
        self, verdict: Any = None, stderr: str = "", error: str | None = None, code: int = 0
    ) -> None:
        self.verdict = verdict
        self.stderr = stderr
        self.error = error
        self.code = code


def tail(text: str, limit: int = 300) -> str:
    text = " ".join(text.strip().split())
    return text if len(text) <= limit else "..." + text[-limit:]


def parse_verdict(stdout: str) -> Any:
    """The JSON verdict: the whole of stdout, else its last line that is a JSON object."""
    text = stdout.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def _kill(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(OSError):
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)  # the adapter and whatever it started
        else:  # pragma: no cover - not POSIX
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


class _Persistent:
    """One running adapter process speaking the ``lines`` protocol."""

    _ids = itertools.count()

    def __init__(self, command: Sequence[str]) -> None:
        self.proc = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            start_new_session=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.err: collections.deque[tuple[int, str]] = collections.deque(maxlen=100)
        self.err_count = 0
        assert self.proc.stdout is not None and self.proc.stderr is not None
        threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self.err.append((self.err_count, line))
            self.err_count += 1

    def _stderr_since(self, mark: int) -> str:
        return "".join(line for i, line in list(self.err) if i >= mark)

    def call(self, request: Mapping[str, Any], timeout: float) -> Reply:
        rid = f"r{next(self._ids)}"
        mark = self.err_count
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps({**request, "id": rid}) + "\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            return self._died(mark)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise queue.Empty
                line = self.lines.get(timeout=left)
            except queue.Empty:
                self.close(kill=True)
                return Reply(stderr=self._stderr_since(mark), error=f"timed out after {timeout:g}s")
            if line is None:
                return self._died(mark)
            text = line.strip()
            if not text.startswith("{"):
                continue
            try:
                doc = json.loads(text)
            except ValueError:
                continue
            if isinstance(doc, dict) and doc.get("id") == rid:
                return Reply(doc, self._stderr_since(mark))

    def _died(self, mark: int) -> Reply:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        time.sleep(0.05)  # let the stderr pump catch up with the last lines
        code = self.proc.returncode
        return Reply(
            stderr=self._stderr_since(mark),
            error=f"the adapter process exited (status {code}) without a reply",
            code=code if code is not None else -1,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self, *, kill: bool = False) -> None:
        if not kill and self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        if self.proc.poll() is None:
            _kill(self.proc)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()


class AdapterPool:
    """Runs requests through ``command`` with ``protocol``; ``size`` processes at most.

    ``call(argv, request)`` uses ``argv`` (appended to the command) for the ``argv``
    protocol and ``request`` (a JSON object) for the ``lines`` protocol.
    """

    def __init__(self, command: Sequence[str], protocol: str, timeout: float) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}")
        self.command = list(command)
        self.protocol = protocol
        self.timeout = timeout
        self._idle: list[_Persistent] = []
        self._all: list[_Persistent] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _process(self) -> Iterator[_Persistent]:
        with self._lock:
            proc = self._idle.pop() if self._idle else None
        if proc is None or not proc.alive():
            proc = _Persistent(self.command)
            with self._lock:
                self._all.append(proc)
        try:
            yield proc
        finally:
            with self._lock:
                if proc.alive():
                    self._idle.append(proc)

    def call(self, argv: Sequence[str], request: Mapping[str, Any]) -> Reply:
        if self.protocol == "argv":
            return self._once(argv)
        try:
            with self._process() as proc:
                return proc.call(request, self.timeout)
        except OSError as exc:
            return Reply(error=f"cannot run {self.command[0]!r}: {exc}")

    def _once(self, argv: Sequence[str]) -> Reply:
        try:
            proc = subprocess.run(
                [*self.command, *argv],
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Reply(error=f"timed out after {self.timeout:g}s")
        except OSError as exc:
            return Reply(error=f"cannot run {self.command[0]!r}: {exc}")
        return Reply(parse_verdict(proc.stdout), proc.stderr or "", None, proc.returncode)

    def close(self) -> None:
        with self._lock:
            procs, self._all, self._idle = self._all, [], []
        for proc in procs:
            proc.close()

    def __enter__(self) -> AdapterPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
