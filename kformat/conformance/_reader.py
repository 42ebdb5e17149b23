"""Reader conformance: hand each case's file to a command, score its JSON verdict and outputs.

Each case runs on a private copy (:mod:`kformat.conformance._staging`): the adapter never
sees the case's folder, its ``case.json`` or its expected outputs. With the ``argv``
protocol the command runs once per case as ``CMD... PATH [--architecture ARCH] [--limits
LIMITS.json] [--deep] [--inputs INPUTS.npz --outputs OUT.npz]``; with the ``lines``
protocol it runs once per job and gets one JSON request per case on stdin
(conformance/README.md, "Reader contract", "Persistent adapters").
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kformat.conformance._cases import Case
from kformat.conformance._protocol import AdapterPool, Reply, parse_verdict, tail
from kformat.conformance._report import Result, failed_result
from kformat.conformance._scoring import compare_outputs, load_npz, verdict_failures
from kformat.conformance._staging import Staged, stage

__all__ = ["parse_verdict", "reader_argv", "reader_request", "run_cases", "run_reader"]


def reader_argv(staged: Staged, *, deep: bool) -> list[str]:
    """The arguments the reader command gets (``argv`` protocol), after the command."""
    argv = [str(staged.source)]
    if staged.architecture is not None:
        argv += ["--architecture", str(staged.architecture)]
    if staged.limits is not None:
        argv += ["--limits", str(staged.limits)]
    if deep:
        argv.append("--deep")
    if staged.inputs is not None:
        argv += ["--inputs", str(staged.inputs), "--outputs", str(staged.outputs)]
    return argv


def reader_request(staged: Staged, case: Case) -> dict[str, Any]:
    """The request a persistent reader gets (``lines`` protocol); ``id`` is added later."""
    return {
        "path": str(staged.source),
        "architecture": None if staged.architecture is None else str(staged.architecture),
        "limits": dict(case.limits) if case.limits else None,
        "deep": case.deep,
        "inputs": None if staged.inputs is None else str(staged.inputs),
        "outputs": None if staged.inputs is None else str(staged.outputs),
    }


def _expected_decoded(case: Case) -> Mapping[str, Any] | None:
    """The decoded form of a case without one recorded (real-Keras files): kformat's reading."""
    if case.decoded is not None or not case.valid:
        return None
    from kformat.conformance._digest import decode
    from kformat.errors import KFormatError

    try:
        return decode(case.source)
    except (KFormatError, OSError):
        return None


def run_one(
    pool: AdapterPool,
    case: Case,
    *,
    mode: str = "validate",
    errors_only: bool = False,
    runtime: bool = True,
) -> Result:
    """Run the reader on one case (on a private copy) and score it."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kfconf-") as tmp:
        wants_outputs = runtime and case.runtime is not None and case.valid
        staged = stage(case, Path(tmp), inputs=wants_outputs)
        reply = pool.call(reader_argv(staged, deep=case.deep), reader_request(staged, case))
        seconds = time.monotonic() - start
        if reply.error is not None:
            detail = f": {tail(reply.stderr)}" if reply.stderr.strip() else ""
            return Result(case.id, "fail", reply.error + detail, seconds)
        if reply.verdict is None:
            return Result(
                case.id,
                "fail",
                f"no JSON verdict on stdout (exit {reply.code}): {tail(reply.stderr)}",
                seconds,
            )
        reasons = verdict_failures(
            case,
            reply.verdict,
            mode=mode,
            errors_only=errors_only,
            expected_decoded=_expected_decoded(case),
        )
        if wants_outputs and not (
            isinstance(reply.verdict, Mapping) and reply.verdict.get("valid") is False
        ):
            why = _score_outputs(case, staged.outputs, reply)
            if why:
                reasons.append(why)
    if reasons:
        return failed_result(case.id, reasons, seconds)
    return Result(case.id, "pass", "", seconds)


def _score_outputs(case: Case, out: Path, reply: Reply) -> str | None:
    spec = case.runtime
    assert spec is not None
    if not out.is_file():
        verdict = reply.verdict
        detail = verdict.get("runtime_error") if isinstance(verdict, Mapping) else None
        return f"no outputs written: {detail or tail(reply.stderr)}"
    try:
        got = load_npz(out)
    except (OSError, ValueError) as exc:
        return f"outputs file unreadable: {exc}"
    expected = load_npz(spec.outputs)
    return compare_outputs(expected, got, spec.output_names, rtol=spec.rtol, atol=spec.atol)


def run_reader(
    command: Sequence[str],
    cases: Sequence[Case],
    *,
    timeout: float = 120.0,
    jobs: int = 1,
    mode: str = "validate",
    errors_only: bool = False,
    runtime: bool = True,
    protocol: str = "argv",
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run ``command`` over ``cases`` (``jobs`` at a time); results in case order,
    ``on_result`` called as each finishes."""
    with AdapterPool(command, protocol, timeout) as pool:

        def one(case: Case) -> Result:
            if errors_only and case.issues and all(i.severity == "warning" for i in case.issues):
                return Result(case.id, "skip", "warning-only case (--errors-only)")
            return run_one(pool, case, mode=mode, errors_only=errors_only, runtime=runtime)

        return run_cases(one, cases, jobs, on_result)


def run_cases(
    fn: Callable[[Case], Result],
    cases: Sequence[Case],
    jobs: int,
    on_result: Callable[[Result], None] | None,
) -> list[Result]:
    """``fn`` over ``cases``, ``jobs`` at a time; ``on_result`` as each finishes (so a
    report streams), the returned list in case order."""
    done: dict[str, Result] = {}
    for result in _as_finished(fn, cases, jobs):
        done[result.case] = result
        if on_result:
            on_result(result)
    return [done[c.id] for c in cases]


def _as_finished(
    fn: Callable[[Case], Result], cases: Sequence[Case], jobs: int
) -> Iterator[Result]:
    if jobs <= 1:
        for case in cases:
            yield fn(case)
        return
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(fn, case) for case in cases]
        for future in as_completed(futures):
            yield future.result()
