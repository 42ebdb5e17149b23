"""Validating many files: a process pool, results as they finish, crashes contained (spec/format.md §11.3).

Each file is validated by one worker process (``--jobs``), which returns a
:class:`FileReport` and the bytes it fetched (URL inputs). Results come back
in completion order; at most a few files per worker are in flight, so a list
of a million paths costs a list, not a million pending tasks.

A worker that dies (a signal, the kernel's out-of-memory killer) breaks the
pool, and every file in flight then fails with it. Those files are retried
one at a time in a pool of one worker: the file that kills that worker too
is reported unreadable ("the validator's worker process died"), the others
get their real result, and the run goes on with a fresh pool. libhdf5 already
runs in a child of its own (kformat._h5_isolate), so this is the last line,
not the first.

Workers are forked where kformat forks for HDF5 anyway (Linux, FreeBSD): they
start in milliseconds with the validator already imported.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from kformat._h5_isolate import CAN_ISOLATE
from kformat._issues import Issue
from kformat._limits import Limits
from kformat.validate._file_report import FileReport

if TYPE_CHECKING:
    import concurrent.futures as cf

__all__ = ["CRASHED", "Options", "check", "results"]

CRASHED = "the validator's worker process died while validating this file"
_IN_FLIGHT = 4


@dataclasses.dataclass(frozen=True)
class Options:
    limits: Limits
    deep: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def _keep(issue: Issue, options: Options) -> bool:
    if options.select and not issue.code.startswith(options.select):
        return False
    return not issue.code.startswith(options.ignore)


def check(name: str, options: Options, stdin: Any = None) -> tuple[FileReport, int]:
    """Validate one input; ``(report, bytes fetched)`` (fetched: URL inputs only)."""
    from kformat import _remote
    from kformat.validate._driver import run, run_url

    fetched = 0
    try:
        if stdin is None and _remote.is_url(name):
            result, fetched = run_url(name, limits=options.limits, deep=options.deep)
        else:
            result = run(name if stdin is None else stdin, limits=options.limits, deep=options.deep)
    except ImportError as exc:
        return FileReport(name, unreadable=str(exc)), 0
    except OSError as exc:
        return FileReport(name, unreadable=exc.strerror or str(exc)), 0
    report = FileReport(
        name,
        [i for i in result.issues if _keep(i, options)],
        layout=result.layout,
        custom_objects=list(result.custom_objects),
    )
    return report, fetched


Worker = Callable[[str, Options], tuple[FileReport, int]]

_options: Options | None = None
_worker: Worker = check


def _init(options: Options, worker: Worker) -> None:
    global _options, _worker
    _options, _worker = options, worker
    # A pool worker ends with os._exit, so atexit never runs in it: stop the
    # HDF5 fork server it may have started (kformat._h5_server) and wait for
    # it, as a one-process run does, so its CPU time is accounted to the run.
    from multiprocessing import util

    util.Finalize(None, _stop_h5_server, exitpriority=10)


def _stop_h5_server() -> None:
    server = sys.modules.get("kformat._h5_server")
    if server is not None:
        server._stop()


def _task(name: str) -> tuple[FileReport, int]:
    assert _options is not None
    return _worker(name, _options)


def workers(jobs: int) -> int:
    """``--jobs``: 0 means one per core this process may use."""
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def results(
    names: Sequence[str], options: Options, *, jobs: int, worker: Worker = check
) -> Iterator[tuple[int, FileReport, int]]:
    """``(position in names, report, bytes fetched)`` for every name, as each finishes."""
    if jobs <= 1:
        for i, name in enumerate(names):
            yield (i, *worker(name, options))
        return
    # Imported here: a one-file run never pays for them (start-up is counted in modules).
    import concurrent.futures as cf
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork" if CAN_ISOLATE else "spawn")

    def pool(n: int) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=n, mp_context=context, initializer=_init, initargs=(options, worker)
        )

    todo = iter(range(len(names)))
    executor = pool(jobs)
    pending: dict[cf.Future[tuple[FileReport, int]], int] = {}
    try:
        while True:
            while len(pending) < jobs * _IN_FLIGHT:
                nxt = next(todo, None)
                if nxt is None:
                    break
                pending[executor.submit(_task, names[nxt])] = nxt
            if not pending:
                return
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            suspects: list[int] = []
            for future in done:
                i = pending.pop(future)
                try:
                    yield (i, *future.result())
                except BrokenProcessPool:
                    suspects.append(i)
            if suspects:
                # Every other file in flight fails with the broken pool too.
                suspects.extend(pending.values())
                pending.clear()
                executor.shutdown(wait=False, cancel_futures=True)
                yield from _one_by_one(sorted(suspects), names, pool, BrokenProcessPool)
                executor = pool(jobs)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def _one_by_one(
    suspects: list[int],
    names: Sequence[str],
    pool: Callable[[int], cf.ProcessPoolExecutor],
    broken: type[Exception],
) -> Iterator[tuple[int, FileReport, int]]:
    executor = pool(1)
    try:
        for i in suspects:
            try:
                yield (i, *executor.submit(_task, names[i]).result())
            except broken:
                yield i, FileReport(names[i], unreadable=CRASHED), 0
                executor.shutdown(wait=False)
                executor = pool(1)
    finally:
        executor.shutdown(wait=False)
