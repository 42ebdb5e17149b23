"""The harness itself: scoring rules, config equivalence, output comparison and the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kformat.conformance import (
    Case,
    ExpectedIssue,
    canonical_json,
    compare_outputs,
    config_difference,
    config_digest,
    main,
    score_verdict,
    summary,
)
from kformat.conformance._report import Result
from tests.conformance._support import CORPUS

SRC = Path("model.keras")


def case(**kw: Any) -> Case:
    kw.setdefault("kind", "invalid")
    return Case(id="invalid/config/x", folder=Path("."), source=SRC, **kw)


UNITS = ExpectedIssue("KF305", "config.json", "/config/layers/1/config/units", "error")


def verdict(valid: bool, *issues: tuple[str, str | None, str | None]) -> dict[str, Any]:
    return {"valid": valid, "issues": [{"code": c, "member": m, "path": p} for c, m, p in issues]}


def test_invalid_case_passes_with_code_and_location() -> None:
    c = case(valid=False, issues=(UNITS,))
    assert score_verdict(c, verdict(False, ("KF305", UNITS.member, UNITS.path))) is None


@pytest.mark.parametrize(
    ("got", "why"),
    [
        (verdict(True), "expected invalid"),
        (verdict(False, ("KF312", "config.json", "/config/layers/1/config/units")), "missing"),
        (verdict(False, ("KF305", "config.json", "/config/layers/1")), "missing"),
        (verdict(False, ("KF305", UNITS.member, UNITS.path), ("KF101", None, None)), "unexpected"),
        ({"valid": "no"}, "boolean"),
        ({"valid": False, "issues": "x"}, "list"),
    ],
)
def test_invalid_case_fails(got: Any, why: str) -> None:
    reason = score_verdict(case(valid=False, issues=(UNITS,)), got)
    assert reason is not None and why in reason


def test_unexpected_warnings_are_fine_and_wildcards_only_for_hostile() -> None:
    c = case(valid=False, issues=(ExpectedIssue("KF412", "model.weights.h5", None, "error"),))
    got = verdict(False, ("KF412", "model.weights.h5", "/a/b"), ("KF423", "model.weights.h5", "/x"))
    assert score_verdict(c, got) is not None  # exact location: null != "/a/b"
    loose = case(valid=False, issues=c.issues, exhaustive=False, wildcard_locations=True)
    assert score_verdict(loose, got) is None


def test_warning_cases_and_errors_only() -> None:
    w = ExpectedIssue("KF112", "metadata.json", None, "warning")
    c = case(valid=True, issues=(w,))
    assert score_verdict(c, verdict(True)) is not None
    assert score_verdict(c, verdict(True), errors_only=True) is None
    assert score_verdict(c, verdict(True, ("KF112", "metadata.json", None))) is None


def test_decoded_form_is_compared_when_given() -> None:
    want = {
        "layout": "keras",
        "weights": [{"path": "/a", "dtype": "float32", "shape": [2], "sha256": "0" * 64}],
    }
    c = case(kind="valid", valid=True, decoded=want)
    ok = {"valid": True, "decoded": {"layout": "keras", "weights": want["weights"]}}
    assert score_verdict(c, ok) is None
    bad = json.loads(json.dumps(ok))
    bad["decoded"]["weights"][0]["shape"] = [3]
    assert "shape" in (score_verdict(c, bad) or "")
    # A reader that accepts a valid file must say what it read from it.
    assert "no decoded form" in (score_verdict(c, {"valid": True}) or "")
    # Every difference is listed, not only the first.
    bad["decoded"]["layout"] = "directory"
    assert {"shape", "layout"} <= set((score_verdict(c, bad) or "").replace(":", " ").split())


def test_outputs_by_name_or_position_within_tolerance() -> None:
    want = {"y": np.array([1.0, 2.0], "float32")}
    assert compare_outputs(want, {"y": want["y"] + 1e-7}, ["y"], rtol=1e-5, atol=1e-6) is None
    assert compare_outputs(want, {"output_0": want["y"]}, ["y"], rtol=0, atol=0) is None
    assert "missing" in (compare_outputs(want, {}, ["y"], rtol=0, atol=0) or "")
    assert "differs" in (compare_outputs(want, {"y": want["y"] + 1}, ["y"], rtol=0, atol=0) or "")
    assert "shape" in (compare_outputs(want, {"y": np.ones(3)}, ["y"], rtol=0, atol=0) or "")


def test_config_equivalence_normalizes_spelling_not_meaning() -> None:
    policy = {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": "float32"},
        "registered_name": None,
    }
    want = {
        "module": "keras.layers",
        "class_name": "Dense",
        "registered_name": None,
        "config": {
            "name": "d",
            "units": 3,
            "dtype": policy,
            "use_bias": True,
            "kernel_regularizer": None,
            "optional": False,
        },
        "input_layers": [["x", 0, 0]],
    }
    older: dict[str, Any] = {
        "module": "keras.src.layers.core.dense",
        "class_name": "Dense",
        "registered_name": "Dense",
        "config": {"name": "d", "units": 3, "dtype": "float32", "use_bias": True, "extra": 1},
        "input_layers": ["x", 0, 0],
    }
    assert config_difference(want, older) is None
    older["config"]["units"] = 4
    assert config_difference(want, older) == "/config/units: expected 3, got 4"
    older["config"]["units"] = 3
    older["config"]["use_bias"] = 1
    assert config_difference(want, older) is not None  # booleans are not numbers
    del older["config"]["use_bias"]
    assert "missing" in (config_difference(want, older) or "")


def test_canonical_json_and_digest() -> None:
    assert canonical_json({"b": [1, 2.5], "a": "\u00e9"}) == b'{"a":"\\u00e9","b":[1,2.5]}'
    assert config_digest(None) is None
    assert config_digest({"a": 1}) == config_digest({"a": 1})


def test_summary_line() -> None:
    rs = [Result("a", "pass"), Result("b", "fail", "x"), Result("c", "skip", "y")]
    assert summary(rs) == "1 passed, 1 failed, 1 skipped"
    assert summary(rs[:2]) == "1 passed, 1 failed"


# --------------------------------------------------------------------------- CLI


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def test_cli_needs_a_command_and_a_selection(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reader", "--corpus", str(CORPUS)]) == 2
    assert main(["reader", "--corpus", str(CORPUS), "-k", "no-such-case", "--", "true"]) == 2
    capsys.readouterr()


def test_cli_list_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(
        ["list", "--corpus", str(CORPUS), "--area", "sharded", "--format", "json"], capsys
    )
    rows = json.loads(out)
    assert code == 0 and rows and all("/sharded/" in r["id"] for r in rows)
    code, out = run(["list", "--corpus", str(CORPUS), "-k", "mha_cross"], capsys)
    assert code == 0 and "runtime/mha_cross\t" in out


def test_cli_scores_a_wrong_reader(capsys: pytest.CaptureFixture[str]) -> None:
    """A reader that calls everything valid, and says nothing of what it read, fails
    invalid cases (the missing code) and valid ones (no decoded form)."""
    always_valid = [sys.executable, "-c", "print('{\"valid\": true}')"]
    code, out = run(
        [
            "reader",
            "--corpus",
            str(CORPUS),
            "--no-runtime",
            "-k",
            "layout/weights_h5",
            "-k",
            "container/metadata_missing",
            "--",
            *always_valid,
        ],
        capsys,
    )
    lines = out.strip().splitlines()
    assert code == 1
    assert "FAIL valid/layout/weights_h5: no decoded form reported" in out
    assert any(
        ln.startswith("FAIL invalid/container/metadata_missing: missing KF112") for ln in lines
    )
    assert lines[-1] == "0 passed, 2 failed"
    # The per-area table comes before the summary line.
    assert lines[-4:-1] == [
        "area               passed  failed  skipped",
        "invalid/container       0       1        0",
        "valid/layout            0       1        0",
    ]


def test_cli_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    broken = [sys.executable, "-c", "print('not json')"]
    code, out = run(
        [
            "reader",
            "--corpus",
            str(CORPUS),
            "--format",
            "json",
            "-k",
            "layout/weights_h5",
            "--",
            *broken,
        ],
        capsys,
    )
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["failed"] == 1
    assert doc["results"][0]["reason"].startswith("no JSON verdict")
    assert doc["summary"]["text"] == "0 passed, 1 failed"


def test_cli_writer_failure_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(
        [
            "writer",
            "--oracle",
            "off",
            "--corpus",
            str(CORPUS),
            "-k",
            "runtime/dense_no_bias",
            "--",
            sys.executable,
            "-c",
            "import sys; sys.exit(3)",
        ],
        capsys,
    )
    assert code == 1 and "writer failed (exit 3)" in out


# --------------------------------------------------------------------------- wrong implementations

WRONG_OUTPUTS = """
import json, sys
import numpy as np
args = sys.argv[1:]
out = args[args.index("--outputs") + 1]
np.savez(out, output_0=np.zeros((1, 1), "float32"))
print(json.dumps({"valid": True}))
"""

TAMPERING_WRITER = """
import dataclasses, json, sys
import numpy as np
sys.path.insert(0, {adapters!r})
import kformat, runtime_writer
runtime_writer.main(sys.argv[1:])
out = sys.argv[sys.argv.index("--out") + 1]
arc = kformat.read(out)
weights, config = dict(arc.weights.materialize()), arc.config
if {what!r} == "weights":
    path = sorted(weights)[0]
    weights[path] = weights[path] + 1
else:
    config = json.loads(json.dumps(config).replace('"tanh"', '"relu"'))
kformat.write(dataclasses.replace(arc, weights=weights, config=config), out + ".tmp.keras")
import os; os.replace(out + ".tmp.keras", out)
"""


def test_cli_catches_wrong_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "reader.py"
    script.write_text(WRONG_OUTPUTS)
    code, out = run(
        [
            "reader",
            "--corpus",
            str(CORPUS),
            "-k",
            "runtime/dense_rank3",
            "--",
            sys.executable,
            str(script),
        ],
        capsys,
    )
    assert code == 1
    # Every failure of the case is listed: no decoded form, and the wrong outputs.
    assert "FAIL runtime/dense_rank3: no decoded form reported" in out
    assert "    also: output 'd' has shape (1, 1), expected (3, 4, 5)" in out


@pytest.mark.parametrize(("what", "why"), [("weights", "sha256"), ("config", "config differs")])
def test_cli_catches_a_writer_that_changes_the_model(
    what: str, why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(TAMPERING_WRITER.format(adapters=str(CORPUS / "adapters"), what=what))
    code, out = run(
        [
            "writer",
            "--oracle",
            "off",
            "--corpus",
            str(CORPUS),
            "-k",
            "runtime/dense_no_bias",
            "--",
            sys.executable,
            str(script),
        ],
        capsys,
    )
    assert code == 1 and why in out, out


def test_result_lines_escape_adapter_output() -> None:
    """An adapter's output quoted in a reason cannot drive the terminal (spec §11.3)."""
    from kformat.conformance._report import Result

    line = Result("valid/x", "fail", "adapter said \x1b[2J\r\n::error::pwned").line()
    assert "\x1b" not in line and "\r" not in line and "\n" not in line
    assert line.startswith("FAIL valid/x: adapter said \\x1b[2J\\r\\n")


# --------------------------------------------------------------------------- the writer's reader


def _writer_argv(*options: str) -> list[str]:
    return [
        "writer",
        "--oracle",
        "off",
        "--corpus",
        str(CORPUS),
        "-k",
        "runtime/dense_no_bias",
        *options,
        "--",
        sys.executable,
        str(CORPUS / "adapters" / "runtime_writer.py"),
    ]


def test_writer_check_runs_the_file_through_the_reader_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The forward pass is the reader's: a reader with wrong outputs fails a good writer."""
    script = tmp_path / "reader.py"
    script.write_text(WRONG_OUTPUTS)
    code, out = run(_writer_argv("--reader", f"{sys.executable} {script}"), capsys)
    assert code == 1, out
    assert "FAIL runtime/dense_no_bias: output" in out and "expected" in out


def test_writer_check_reports_a_reader_that_cannot_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reader = f"{sys.executable} -c \"import sys; sys.exit('no runtime here')\""
    code, out = run(_writer_argv("--reader", reader), capsys)
    assert code == 1 and "the reader did not run the written file: no runtime here" in out, out


def test_writer_without_runtime_skips_the_forward_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(_writer_argv("--no-runtime"), capsys)
    assert code == 0, out
    assert "SKIP runtime/dense_no_bias: forward pass not checked (no reader command)" in out


def test_writer_default_reader_is_the_corpus_adapter() -> None:
    from kformat.conformance._writer import default_reader

    assert default_reader(CORPUS) == [
        sys.executable,
        str(CORPUS / "adapters" / "kformat_reader.py"),
    ]
    assert default_reader(CORPUS / "valid") is None


@pytest.mark.parametrize("mode", ["reader", "writer"])
def test_reader_option_is_checked(mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    reader = "" if mode == "writer" else sys.executable
    argv = [mode, "--corpus", str(CORPUS), "--reader", reader, "--", "true"]
    assert main(argv) == 2
    assert "--reader" in capsys.readouterr().err
