"""Writer conformance: a command writes each case's model; the harness checks the file.

The command is run once per writer case as ``CMD... --description model.json --weights
weights.npz --out OUT.keras`` (conformance/README.md, "Writer contract"). The file it
writes must

1. validate with no error (with ``--strict``, also no warning beyond the case's
   ``allowed_warnings``; other warnings are listed on the PASS line);
2. hold a config equivalent to the description (:mod:`kformat.conformance._equiv`) and
   exactly the expected weights (paths, dtypes, shapes, SHA-256 of the bytes);
3. compute the case's expected outputs within tolerance — run here with
   ``reference_runtime`` when it is installed (imported only then).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kformat.conformance._cases import Case
from kformat.conformance._digest import compare_decoded, weight_manifest
from kformat.conformance._equiv import config_difference
from kformat.conformance._reader import _ordered, _tail
from kformat.conformance._report import Result
from kformat.conformance._scoring import compare_outputs, load_npz

__all__ = ["check_written", "run_writer", "writer_argv"]


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


def _feed(case: Case, inputs: dict[str, Any]) -> Any:
    spec = case.runtime
    assert spec is not None
    arrays = [inputs[n] for n in spec.input_names]
    if spec.input_structure == "single":
        return arrays[0]
    if spec.input_structure == "list":
        return arrays
    return {n: inputs[n] for n in spec.input_names}


def _named_outputs(case: Case, raw: Any) -> dict[str, Any]:
    spec = case.runtime
    assert spec is not None
    if spec.output_structure == "dict" and isinstance(raw, dict):
        return dict(raw)
    items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    return {f"output_{i}": item for i, item in enumerate(items)}


def forward_difference(case: Case, path: Path) -> str | None:
    """Run ``path`` with reference_runtime on the case's inputs; ``None`` when the
    outputs match.

    Raises:
        ImportError: reference_runtime is not installed.
    """
    import reference_runtime

    spec = case.runtime
    assert spec is not None
    try:
        model = reference_runtime.load_model(str(path))
        raw = model.predict(_feed(case, load_npz(spec.inputs)))
    except Exception as exc:  # any failure of the model is the writer's finding
        return f"reference_runtime cannot run the written file: {type(exc).__name__}: {exc}"
    return compare_outputs(
        load_npz(spec.outputs),
        _named_outputs(case, raw),
        spec.output_names,
        rtol=spec.rtol,
        atol=spec.atol,
    )


def check_written(
    case: Case, path: Path, *, strict: bool = False
) -> tuple[str | None, str | None, list[str]]:
    """Check a file written for ``case``: ``(failure, note, warnings)``. ``note`` says what
    could not be checked (the forward pass without reference_runtime); ``warnings`` are the
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
    failure, note = _check_content(case, path)
    return failure, note, warnings


def _check_content(case: Case, path: Path) -> tuple[str | None, str | None]:
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
    try:
        return forward_difference(case, path), None
    except ImportError:
        return None, "forward pass not checked (reference_runtime not installed)"


def run_one(command: Sequence[str], case: Case, *, timeout: float, strict: bool = False) -> Result:
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
        failure, note, warnings = check_written(case, out, strict=strict)
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
    timeout: float = 120.0,
    jobs: int = 1,
    strict: bool = False,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run ``command`` over the writer cases among ``cases``; results in case order.
    ``strict``: a validator warning beyond the case's ``allowed_warnings`` fails it."""
    writer_cases = [c for c in cases if c.writer is not None]
    return list(
        _ordered(
            lambda c: run_one(command, c, timeout=timeout, strict=strict),
            writer_cases,
            jobs,
            on_result,
        )
    )
