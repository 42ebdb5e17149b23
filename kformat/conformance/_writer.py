"""Writer conformance: a command writes each case's model; the harness checks the file.

The command gets private copies of the case's ``model.json`` and ``weights.npz`` (never
the case folder): ``CMD... --description model.json --weights weights.npz --out OUT.keras``
(``argv`` protocol) or one JSON request per case (``lines`` protocol; conformance/README.md,
"Writer contract"). The file it writes must

1. validate with no error, and with no warning that means Keras 3 refuses the file
   (:data:`KERAS_REFUSES`); with ``--strict`` (all warnings) or ``--strict=CODES``, the
   warnings chosen fail it too, unless the case allows them;
2. hold a config equivalent to the description (:mod:`kformat.conformance._equiv`) and
   exactly the expected weights (paths, dtypes, shapes, SHA-256 of the bytes);
3. compute the case's expected outputs within tolerance when run through a reader
   command, the same way a third-party reader is run (default: the corpus' reference
   reader adapter; this module never imports a runtime itself);
4. load in real Keras and compute the same outputs there (the oracle: the corpus'
   ``adapters/keras_reader.py`` run in a subprocess, when Keras is installed).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from kformat.conformance._cases import Case
from kformat.conformance._digest import decoded_differences, weight_manifest
from kformat.conformance._equiv import config_difference
from kformat.conformance._protocol import AdapterPool, tail
from kformat.conformance._reader import run_cases
from kformat.conformance._report import Result, failed_result
from kformat.conformance._scoring import compare_outputs, load_npz

__all__ = [
    "KERAS_REFUSES",
    "Checks",
    "default_oracle",
    "default_reader",
    "run_writer",
    "writer_argv",
]

#: Warnings that mean Keras 3 will not load the file (spec §5.11): a writer check fails on
#: them without ``--strict``, since a writer whose files Keras refuses is not conforming.
KERAS_REFUSES = frozenset({"KF314", "KF317"})


@dataclasses.dataclass(frozen=True)
class Checks:
    """What the writer check runs besides the validator and the structure comparison.

    ``reader``/``oracle``: commands that run a written file on the case's inputs (``None``:
    not run); ``error_on``: warning codes that fail a case (``"all"``: every warning).
    """

    reader: Sequence[str] | None = None
    reader_protocol: str = "argv"
    oracle: Sequence[str] | None = None
    error_on: Collection[str] | str = ()
    timeout: float = 120.0


def writer_argv(description: Path, weights: Path, out: Path) -> list[str]:
    """The arguments the writer command gets (``argv`` protocol), after the command."""
    return ["--description", str(description), "--weights", str(weights), "--out", str(out)]


def default_reader(corpus: Path) -> list[str] | None:
    """The reader command the writer check runs written files through when none is given:
    the corpus' reference reader adapter (``adapters/kformat_reader.py``: kformat validates,
    reference_runtime runs), with this interpreter. ``None`` when the corpus lacks it."""
    script = corpus / "adapters" / "kformat_reader.py"
    return [sys.executable, str(script)] if script.is_file() else None


def default_oracle(corpus: Path) -> tuple[list[str] | None, str | None]:
    """``(command, None)`` for the real-Keras oracle (``adapters/keras_reader.py --serve``
    with this interpreter), or ``(None, why not)`` when Keras or the adapter is missing."""
    script = corpus / "adapters" / "keras_reader.py"
    if not script.is_file():
        return None, "oracle skipped: the corpus has no adapters/keras_reader.py"
    if importlib.util.find_spec("keras") is None:
        return None, "oracle skipped: keras not installed"
    return [sys.executable, str(script), "--serve"], None


def _validator_failures(case: Case, path: Path, error_on: Collection[str] | str) -> list[str]:
    from kformat import iter_issues

    assert case.writer is not None
    allowed = set(case.writer.allowed_warnings)
    try:
        issues = list(iter_issues(path))
    except OSError as exc:
        return [f"written file unreadable: {exc}"]
    out = []
    for issue in issues:
        where = issue.render()
        if issue.severity == "error":
            out.append(f"written file has error {where}")
        elif issue.code in allowed:
            continue
        elif issue.code in KERAS_REFUSES:
            out.append(f"written file has warning {where}: Keras 3 refuses such a file")
        elif error_on == "all" or issue.code in error_on:
            out.append(f"written file has warning {where} (--strict)")
    return out


def _warnings(path: Path, case: Case) -> list[str]:
    from kformat import iter_issues

    assert case.writer is not None
    allowed = set(case.writer.allowed_warnings)
    return [
        f"{i.code} at {i.location}"
        for i in iter_issues(path)
        if i.severity == "warning" and i.code not in allowed
    ]


def _structure_failures(case: Case, path: Path) -> list[str]:
    from kformat import read
    from kformat.errors import KFormatError

    assert case.writer is not None
    try:
        archive = read(path)
    except KFormatError as exc:
        return [f"kformat cannot read the written file: {exc}"]
    out = []
    description = json.loads(case.writer.description.read_text(encoding="utf-8"))
    diff = config_difference(description, archive.config)
    if diff:
        out.append(f"config differs from the description: {diff}")
    if case.decoded is not None and "weights" in case.decoded:
        out.extend(
            decoded_differences(
                {"weights": case.decoded["weights"]},
                {"weights": weight_manifest(archive.weights)},
            )
        )
    return out


def forward_difference(
    pool: AdapterPool, case: Case, path: Path, *, who: str = "the reader"
) -> str | None:
    """Run the written file (alone in its folder) through ``pool`` on a private copy of the
    case's inputs; ``None`` when the outputs match the case's."""
    spec = case.runtime
    assert spec is not None
    with tempfile.TemporaryDirectory(prefix="kfconf-run-") as tmp:
        inputs, outputs = Path(tmp) / "inputs.npz", Path(tmp) / "outputs.npz"
        shutil.copy2(spec.inputs, inputs)
        argv = [str(path), "--inputs", str(inputs), "--outputs", str(outputs)]
        request = {
            "path": str(path),
            "architecture": None,
            "limits": None,
            "deep": False,
            "inputs": str(inputs),
            "outputs": str(outputs),
        }
        reply = pool.call(argv, request)
        if reply.error is not None:
            return f"{who} did not run the written file: {reply.error} {tail(reply.stderr)}"
        if not outputs.is_file():
            verdict = reply.verdict
            detail = None
            if isinstance(verdict, Mapping):
                detail = (
                    verdict.get("runtime_error")
                    or verdict.get("read_error")
                    or verdict.get("load_error")
                )
                if detail is None and verdict.get("valid") is False:
                    detail = "it judged the file invalid"
            return f"{who} did not run the written file: {detail or tail(reply.stderr)}"
        try:
            got = load_npz(outputs)
        except (OSError, ValueError) as exc:
            return f"{who}'s outputs are unreadable: {exc}"
    why = compare_outputs(
        load_npz(spec.outputs), got, spec.output_names, rtol=spec.rtol, atol=spec.atol
    )
    return f"{who}: {why}" if why and who != "the reader" else why


def _write(pool: AdapterPool, case: Case, tmp: Path) -> tuple[Path, str | None]:
    """Have the writer write ``case`` from private copies; ``(file, failure)``."""
    assert case.writer is not None
    io, out_dir = tmp / "io", tmp / "out"
    io.mkdir()
    out_dir.mkdir()
    description, weights = io / "model.json", io / "weights.npz"
    shutil.copy2(case.writer.description, description)
    shutil.copy2(case.writer.weights, weights)
    out = out_dir / "model.keras"
    request = {"description": str(description), "weights": str(weights), "out": str(out)}
    reply = pool.call(writer_argv(description, weights, out), request)
    if reply.error is not None:
        return out, f"writer failed ({reply.error}): {tail(reply.stderr)}"
    said = reply.verdict if isinstance(reply.verdict, Mapping) else {}
    if pool.protocol == "lines" and said.get("ok") is False:
        return out, f"writer failed: {said.get('error') or tail(reply.stderr)}"
    if pool.protocol == "argv" and reply.code != 0:
        return out, f"writer failed (exit {reply.code}): {tail(reply.stderr)}"
    if not out.exists():
        return out, f"writer failed (no file written): {tail(reply.stderr)}"
    return out, None


def run_one(
    pool: AdapterPool,
    case: Case,
    checks: Checks,
    reader: AdapterPool | None,
    oracle: AdapterPool | None,
) -> Result:
    """Run the writer on one case and check what it wrote (every failure listed)."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kfconf-") as tmp:
        out, failure = _write(pool, case, Path(tmp))
        if failure:
            return Result(case.id, "fail", failure, time.monotonic() - start)
        reasons = _validator_failures(case, out, checks.error_on)
        reasons += _structure_failures(case, out)
        note = None
        if case.runtime is not None:
            if reader is None:
                note = "forward pass not checked (no reader command)"
            else:
                why = forward_difference(reader, case, out)
                if why:
                    reasons.append(why)
            if oracle is not None:
                why = forward_difference(oracle, case, out, who="real Keras")
                if why:
                    reasons.append(why)
        warnings = [] if reasons else _warnings(out, case)
    seconds = time.monotonic() - start
    if reasons:
        return failed_result(case.id, reasons, seconds)
    extra = f"warnings {', '.join(warnings[:3])}" if warnings else ""
    if note:
        return Result(case.id, "skip", f"{note}; {extra}" if extra else note, seconds)
    return Result(case.id, "pass", extra, seconds)


def run_writer(
    command: Sequence[str],
    cases: Sequence[Case],
    *,
    checks: Checks,
    protocol: str = "argv",
    jobs: int = 1,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run ``command`` over the writer cases among ``cases``; results in case order."""
    writer_cases = [c for c in cases if c.writer is not None]
    pools: list[AdapterPool] = [AdapterPool(command, protocol, checks.timeout)]
    reader = oracle = None
    if checks.reader is not None:
        reader = AdapterPool(checks.reader, checks.reader_protocol, checks.timeout)
        pools.append(reader)
    if checks.oracle is not None:
        # Keras takes seconds to import: the oracle always runs persistent.
        oracle = AdapterPool(checks.oracle, "lines", max(checks.timeout, 300.0))
        pools.append(oracle)
    try:
        return run_cases(
            lambda c: run_one(pools[0], c, checks, reader, oracle), writer_cases, jobs, on_result
        )
    finally:
        for p in pools:
            p.close()
