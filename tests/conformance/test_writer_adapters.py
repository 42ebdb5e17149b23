"""The reference writer adapters (reference_runtime and real Keras) pass every writer case;
the written files are run through the reference reader adapter, as any reader would be,
and (end to end, where Keras is installed) through real Keras, the oracle."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from kformat.conformance import main
from kformat.conformance._writer import Checks, run_writer
from tests.conformance._support import (
    CORPUS,
    KERAS_WRITER,
    READER,
    RUNTIME_WRITER,
    adapter,
    cases,
    in_process,
)

WRITER_CASES = [c for c in cases() if c.writer is not None]


def _all_pass(script: object) -> None:
    prefix = [sys.executable, str(script)]
    reader = [sys.executable, str(READER)]
    with (
        in_process(adapter(script).main, prefix),  # type: ignore[arg-type]
        in_process(adapter(READER).main, reader),
    ):
        results = run_writer(prefix, WRITER_CASES, checks=Checks(reader=reader, timeout=600))
    failed = [r.line() for r in results if r.outcome != "pass"]
    assert not failed, "\n".join(failed)
    assert len(results) == len(WRITER_CASES) >= 50


def test_runtime_writer_passes_every_case() -> None:
    _all_pass(RUNTIME_WRITER)


@pytest.mark.oracle
def test_keras_writer_passes_every_case() -> None:
    pytest.importorskip("keras")
    _all_pass(KERAS_WRITER)


@pytest.mark.parametrize("script", [RUNTIME_WRITER, KERAS_WRITER], ids=["runtime", "keras"])
def test_writer_end_to_end_through_the_cli(
    script: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """Persistent writer, persistent default reader, and (for the NumPy writer, where
    Keras is installed) real Keras loading each written file: the oracle."""
    if script == KERAS_WRITER:
        pytest.importorskip("keras")
    oracle = "on" if script == RUNTIME_WRITER and importlib.util.find_spec("keras") else "off"
    argv = [
        "writer",
        "--corpus",
        str(CORPUS),
        "--protocol",
        "lines",
        "--oracle",
        oracle,
        "-k",
        "runtime/mha_value_dim",
        "-k",
        "runtime/nested_sequential_in_functional",
        "-k",
        "runtime/policy_float16",
        "--",
        sys.executable,
        str(script),
        "--serve",
    ]
    code = main(argv)
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0, out
    assert out[-1] == "3 passed, 0 failed"
