"""Writer conformance: a command writes each case's model; the harness checks the file.

The command is run once per writer case as ``CMD... --description model.json --weights
weights.npz --out OUT.keras`` (conformance/README.md, "Writer contract"). The file it
writes must

1. validate with no error (with ``--strict``, also no warning beyond the case's
   ``allowed_warnings``; other warnings are listed on the PASS line);
2. hold a config equivalent to the description (:mod:`kformat.conformance._equiv`) and
   exactly the expected weights (paths, dtypes, shapes, SHA-256 of the bytes);
3. compute the case's expected outputs within tolerance when run through a reader
   command (the reader contract's ``PATH --inputs IN.npz --outputs OUT.npz``), the same
   way a third-party reader is run. The default is the corpus' reference reader adapter;
   this module never imports a runtime itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kformat.conformance._cases import Case
from kformat.conformance._digest import compare_decoded, weight_manifest
from kformat.conformance._equiv import config_difference
from kformat.conformance._reader import _ordered, _tail, parse_verdict
from kformat.conformance._report import Result
from kformat.conformance._scoring import compare_outputs, load_npz

__all__ = ["check_written", "default_reader", "forward_difference", "run_writer", "writer_argv"]


def writer_argv(command: Sequence[str], case: Case, out: Path) -> list[str]:
    """The argv the writer command gets for ``case``."""
    assert case.writer is not None
    return [
        *command,
        "--description",
        str(case.writer.description),
        "--weights",
        str(case.writer.weights),
        "--out",
        str(out),
    ]


def default_reader(corpus: Path) -> list[str] | None:
    """The reader command the writer check runs written files through when none is given:
    the corpus' reference reader adapter (``adapters/kformat_reader.py``: kformat validates,
    reference_runtime runs), with this interpreter. ``None`` when the corpus lacks it."""
    script = corpus / "adapters" / "kformat_reader.py"
    return [sys.executable, str(script)] if script.is_file() else None


def forward_difference(
    reader: Sequence[str], case: Case, path: Path, *, timeout: float
) -> str | None:
    """Run the written file through the reader command on the case's inputs (the reader
    contract's ``PATH --inputs IN.npz --outputs OUT.npz``); ``None`` when its outputs match."""
    spec = case.runtime
    assert spec is not None
    outputs = path.parent / "outputs.npz"
    argv = [*reader, str(path), "--inputs", str(spec.inputs), "--outputs", str(outputs)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"the reader timed out on the written file after {timeout:g}s"
    except OSError as exc:
        return f"cannot run the reader {reader[0]!r}: {exc}"
    if not outputs.is_file():
        verdict = parse_verdict(proc.stdout)
        detail = None
        if isinstance(verdict, dict):
            detail = verdict.get("runtime_error") or verdict.get("read_error")
            if detail is None and verdict.get("valid") is False:
                detail = "it judged the file invalid"
        return f"the reader did not run the written file: {detail or _tail(proc.stderr)}"
    try:
        got = load_npz(outputs)
    except (OSError, ValueError) as exc:
        return f"the reader's outputs are unreadable: {exc}"
    return compare_outputs(
        load_npz(spec.outputs), got, spec.output_names, rtol=spec.rtol, atol=spec.atol
    )


def check_written(
    case: Case,
    path: Path,
    *,
    reader: Sequence[str] | None = None,
    strict: bool = False,
    timeout: float = 120.0,
) -> tuple[str | None, str | None, list[str]]:
    """Check a file written for ``case``: ``(failure, note, warnings)``. ``note`` says what
    was not checked (the forward pass without a ``reader`` command); ``warnings`` are the
    validator's warnings beyond the case's ``allowed_warnings`` (failures with ``strict``)."""
    from kformat import iter_issues

    assert case.writer is not None
    allowed = set(case.writer.allowed_warnings)
    try:
        issues = list(iter_issues(path))
    except OSError as exc:
        return f"written file unreadable: {exc}", None, []
    warnings = []
    for issue in issues:
        if issue.severity == "error":
            return f"written file has error {issue.render()}", None, []
        if issue.code not in allowed:
            if strict:
                return f"written file has warning {issue.render()} (--strict)", None, []
            warnings.append(f"{issue.code} at {issue.location}")
    failure, note = _check_content(case, path, reader, timeout)
    return failure, note, warnings


def _check_content(
    case: Case, path: Path, reader: Sequence[str] | None, timeout: float
) -> tuple[str | None, str | None]:
    from kformat import read
    from kformat.errors import KFormatError

    assert case.writer is not None
    try:
        archive = read(path)
    except KFormatError as exc:
        return f"kformat cannot read the written file: {exc}", None
    description = json.loads(case.writer.description.read_text(encoding="utf-8"))
    diff = config_difference(description, archive.config)
    if diff:
        return f"config differs from the description: {diff}", None
    if case.decoded is not None and "weights" in case.decoded:
        diff = compare_decoded(
            {"weights": case.decoded["weights"]}, {"weights": weight_manifest(archive.weights)}
        )
        if diff:
            return diff, None
    if case.runtime is None:
        return None, None
    if reader is None:
        return None, "forward pass not checked (no reader command)"
    return forward_difference(reader, case, path, timeout=timeout), None


def run_one(
    command: Sequence[str],
    case: Case,
    *,
    timeout: float,
    reader: Sequence[str] | None = None,
    strict: bool = False,
) -> Result:
    """Run the writer on one case and check what it wrote."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kfconf-") as tmp:
        out = Path(tmp) / "model.keras"
        try:
            proc = subprocess.run(
                writer_argv(command, case, out),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Result(
                case.id, "fail", f"timed out after {timeout:g}s", time.monotonic() - start
            )
        except OSError as exc:
            return Result(case.id, "fail", f"cannot run {command[0]!r}: {exc}", 0.0)
        if proc.returncode != 0 or not out.exists():
            what = f"exit {proc.returncode}" if proc.returncode else "no file written"
            return Result(
                case.id,
                "fail",
                f"writer failed ({what}): {_tail(proc.stderr)}",
                time.monotonic() - start,
            )
        failure, note, warnings = check_written(
            case, out, reader=reader, strict=strict, timeout=timeout
        )
    seconds = time.monotonic() - start
    if failure:
        return Result(case.id, "fail", failure, seconds)
    if note:
        return Result(case.id, "skip", note, seconds)
    extra = f"warnings {', '.join(warnings[:3])}" if warnings else ""
    return Result(case.id, "pass", extra, seconds)


def run_writer(
    command: Sequence[str],
    cases: Sequence[Case],
    *,
    reader: Sequence[str] | None,
    timeout: float = 120.0,
    jobs: int = 1,
    strict: bool = False,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run ``command`` over the writer cases among ``cases``; results in case order.
    ``reader``: the reader command that runs each written file (``None``: the forward pass
    is not checked and runtime cases are skipped). ``strict``: a validator warning beyond
    the case's ``allowed_warnings`` fails it."""
    writer_cases = [c for c in cases if c.writer is not None]
    return list(
        _ordered(
            lambda c: run_one(command, c, timeout=timeout, reader=reader, strict=strict),
            writer_cases,
            jobs,
            on_result,
        )
    )
