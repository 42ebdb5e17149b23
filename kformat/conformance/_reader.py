"""Reader conformance: hand each case's file to a command, score its JSON verdict and outputs.

The command is run once per case as ``CMD... PATH [--architecture ARCH] [--limits
LIMITS.json] [--deep] [--inputs INPUTS.npz --outputs OUT.npz]`` (conformance/README.md,
"Reader contract"); it prints one JSON verdict on stdout and, for runtime cases, writes
the model's outputs to ``OUT.npz``.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kformat.conformance._cases import Case
from kformat.conformance._report import Result
from kformat.conformance._scoring import compare_outputs, load_npz, score_verdict

__all__ = ["parse_verdict", "reader_argv", "run_reader"]


def reader_argv(command: Sequence[str], case: Case, workdir: Path, *, outputs: bool) -> list[str]:
    """The argv the reader command gets for ``case`` (files it needs go to ``workdir``)."""
    argv = [*command, str(case.source)]
    if case.architecture is not None:
        argv += ["--architecture", str(case.architecture)]
    if case.limits:
        limits = workdir / "limits.json"
        limits.write_text(json.dumps(dict(case.limits), sort_keys=True), encoding="utf-8")
        argv += ["--limits", str(limits)]
    if case.deep:
        argv.append("--deep")
    if outputs and case.runtime is not None:
        argv += ["--inputs", str(case.runtime.inputs), "--outputs", str(workdir / "outputs.npz")]
    return argv


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


def _tail(text: str, limit: int = 300) -> str:
    text = " ".join(text.strip().split())
    return text if len(text) <= limit else "..." + text[-limit:]


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
    command: Sequence[str],
    case: Case,
    *,
    timeout: float,
    errors_only: bool = False,
    runtime: bool = True,
) -> Result:
    """Run the reader on one case and score it."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kfconf-") as tmp:
        work = Path(tmp)
        wants_outputs = runtime and case.runtime is not None and case.valid
        argv = reader_argv(command, case, work, outputs=wants_outputs)
        try:
            proc = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return Result(
                case.id, "fail", f"timed out after {timeout:g}s", time.monotonic() - start
            )
        except OSError as exc:
            return Result(case.id, "fail", f"cannot run {command[0]!r}: {exc}", 0.0)
        seconds = time.monotonic() - start
        verdict = parse_verdict(proc.stdout)
        if verdict is None:
            return Result(
                case.id,
                "fail",
                f"no JSON verdict on stdout (exit {proc.returncode}): {_tail(proc.stderr)}",
                seconds,
            )
        why = score_verdict(
            case, verdict, errors_only=errors_only, expected_decoded=_expected_decoded(case)
        )
        if why is None and wants_outputs:
            why = _score_outputs(case, work / "outputs.npz", verdict, proc.stderr)
        return Result(case.id, "fail" if why else "pass", why or "", seconds)


def _score_outputs(case: Case, out: Path, verdict: Any, stderr: str) -> str | None:
    spec = case.runtime
    assert spec is not None
    if not out.is_file():
        detail = verdict.get("runtime_error") if isinstance(verdict, Mapping) else None
        return f"no outputs written: {detail or _tail(stderr)}"
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
    errors_only: bool = False,
    runtime: bool = True,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run ``command`` over ``cases`` (``jobs`` at a time); results in case order."""

    def one(case: Case) -> Result:
        if errors_only and case.issues and all(i.severity == "warning" for i in case.issues):
            return Result(case.id, "skip", "warning-only case (--errors-only)")
        return run_one(command, case, timeout=timeout, errors_only=errors_only, runtime=runtime)

    return list(_ordered(one, cases, jobs, on_result))


def _ordered(
    fn: Callable[[Case], Result],
    cases: Sequence[Case],
    jobs: int,
    on_result: Callable[[Result], None] | None,
) -> Iterator[Result]:
    if jobs <= 1:
        for case in cases:
            result = fn(case)
            if on_result:
                on_result(result)
            yield result
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for result in pool.map(fn, cases):
            if on_result:
                on_result(result)
            yield result
