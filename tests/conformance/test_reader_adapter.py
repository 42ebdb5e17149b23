"""kformat's own reader adapter passes every case: recipe-built, real Keras and hostile.

The full run calls the adapter in-process (same argv and JSON contract, no interpreter
start per case); one small run goes through real subprocesses end to end.
"""

from __future__ import annotations

import sys

import pytest

from kformat.conformance import main
from kformat.conformance._reader import run_reader
from tests.conformance._support import (
    CORPUS,
    KNOWN_FAILURES,
    READER,
    adapter,
    cases,
    in_process,
)


def test_kformat_reader_passes_every_case() -> None:
    prefix = [sys.executable, str(READER)]
    with in_process(adapter(READER).main, prefix):
        results = run_reader(prefix, cases(), timeout=600)
    failed = {r.case: r.line() for r in results if r.outcome != "pass"}
    unexpected = [line for case, line in failed.items() if case not in KNOWN_FAILURES]
    assert not unexpected, "\n".join(unexpected)
    fixed = sorted(set(KNOWN_FAILURES) - set(failed))
    assert not fixed, f"now passing, remove from KNOWN_FAILURES: {fixed}"
    assert len(results) >= 400


#: Cases for the end-to-end runs: the argv protocol starts a process per case, so it gets
#: two of them; the persistent one gets every kind.
E2E = {
    "argv": ["runtime/mha_cross", "hostile/h5_soft_link_intermediate"],
    "lines": [
        "runtime/mha_cross",
        "invalid/weights/nan_weight",
        "keras-3.15.1/sharded_weights",
        "hostile/h5_soft_link",
        "hostile/shard_symlink",
    ],
}


@pytest.mark.parametrize("protocol", ["argv", "lines"])
def test_reader_end_to_end_through_the_cli(
    protocol: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["reader", "--corpus", str(CORPUS), "-j", "2", "--protocol", protocol]
    for name in E2E[protocol]:
        argv += ["-k", name]
    argv += ["--", sys.executable, str(READER), *(["--serve"] if protocol == "lines" else [])]
    code = main(argv)
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0, out
    assert out[-1] == ("6 passed, 0 failed" if protocol == "lines" else "2 passed, 0 failed")
