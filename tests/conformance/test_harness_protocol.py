"""The harness' second edition: persistent adapters, private copies, streaming reports,
load mode, per-rule strictness and the writer's Keras oracle."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kformat.conformance import config_difference, main
from kformat.conformance._protocol import AdapterPool
from tests.conformance._support import CORPUS, READER, RUNTIME_WRITER, adapter, in_process

# A persistent reader that says "valid" with nothing decoded, hangs when asked to, and
# exits when asked to: the harness must time the hang out, survive the exit, and carry on.
FLAKY = """
import json, sys, time
for line in sys.stdin:
    req = json.loads(line)
    if req["path"] == "hang":
        time.sleep(60)
    if req["path"] == "exit":
        sys.exit(7)
    print("log line, not a verdict")
    print(json.dumps({"id": req["id"], "valid": True, "seen": sorted(req)}), flush=True)
"""

# Lists what is beside the file it gets and in the folders above (up to the temp dir).
SNOOP = """
import json, os, sys
from pathlib import Path
for line in sys.stdin:
    req = json.loads(line)
    here = Path(req["path"]).parent
    seen = sorted(os.listdir(here)) + sorted(os.listdir(here.parent))
    print(json.dumps({"id": req["id"], "valid": True, "issues": [], "seen": seen}), flush=True)
"""


def test_persistent_pool_survives_hangs_and_exits(tmp_path: Path) -> None:
    script = tmp_path / "flaky.py"
    script.write_text(FLAKY)
    paths = ["a", "hang", "b", "exit", "c"]
    with AdapterPool([sys.executable, str(script)], "lines", timeout=1) as pool:
        replies = [pool.call([], {"path": p}) for p in paths]
        started = len(pool._all)
    assert replies[0].verdict["seen"] == ["id", "path"] and replies[0].error is None
    assert replies[1].error == "timed out after 1s"
    assert replies[2].verdict is not None  # a fresh process after the hang
    assert replies[3].error is not None and "exited (status 7)" in replies[3].error
    assert replies[4].verdict is not None and replies[4].error is None
    assert started == 3


def test_adapter_exit_fails_the_case(tmp_path: Path) -> None:
    script = tmp_path / "dies.py"
    script.write_text("import sys\nsys.stderr.write('boom\\n')\nsys.exit(3)\n")
    with AdapterPool([sys.executable, str(script)], "lines", timeout=30) as pool:
        reply = pool.call([], {"path": "/x"})
    assert reply.error is not None and "exited (status 3)" in reply.error
    assert "boom" in reply.stderr


def test_cases_run_on_private_copies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The adapter sees the file under test (and a sharded index's shards) alone: no
    case.json, no outputs.npz, no inputs beside it; runtime inputs sit in io/."""
    script = tmp_path / "snoop.py"
    script.write_text(SNOOP)
    code = main(
        [
            "reader",
            "--corpus",
            str(CORPUS),
            "--protocol",
            "lines",
            "--format",
            "jsonl",
            "-k",
            "runtime/layout_sharded",
            "-k",
            "runtime/mha_cross",
            "--",
            sys.executable,
            str(script),
        ]
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 1 and len(lines) >= 3 and "summary" in lines[-1]
    # Nothing of the expected verdict reaches the adapter; reasons are all listed.
    sharded = next(r for r in lines if r.get("case") == "runtime/layout_sharded")
    assert sharded["area"] == "runtime" and len(sharded["reasons"]) >= 2


def test_snoop_sees_only_the_model(tmp_path: Path) -> None:
    script = tmp_path / "snoop.py"
    script.write_text(SNOOP)
    from kformat.conformance._cases import load_cases
    from kformat.conformance._staging import stage

    case = next(c for c in load_cases(CORPUS) if c.id == "runtime/layout_sharded")
    work = tmp_path / "work"
    work.mkdir()
    staged = stage(case, work, inputs=True)
    with AdapterPool([sys.executable, str(script)], "lines", timeout=30) as pool:
        reply = pool.call([], {"path": str(staged.source)})
    seen = reply.verdict["seen"]
    shards = [f"model_0000{i}.weights.h5" for i in range(5)]
    assert seen == [*sorted(["model.weights.json", *shards]), "io", "model"]
    assert sorted(p.name for p in (work / "io").iterdir()) == ["inputs.npz", "model.keras"]


def test_load_mode_scores_accept_and_refuse_only(capsys: pytest.CaptureFixture[str]) -> None:
    """A loader that refuses with no codes passes invalid cases in load mode, not in
    validate mode; accepting a valid file still needs the decoded form."""
    refuse = [sys.executable, "-c", "print('{\"valid\": false}')"]
    argv = ["reader", "--corpus", str(CORPUS), "-k", "invalid/json/config_nan"]
    argv += ["-k", "invalid/container/config_missing_with_comment"]
    argv += ["-k", "invalid/weights/nan_weight"]
    assert main([*argv, "--mode", "load", "--", *refuse]) == 1
    out = capsys.readouterr().out
    assert "PASS invalid/container/config_missing_with_comment" in out
    assert "PASS invalid/weights/nan_weight" not in out  # a warning case: a valid file
    assert "FAIL invalid/json/config_nan: expected accept, reader refused" in out
    assert main([*argv, "--", *refuse]) == 1
    assert "FAIL invalid/container/config_missing_with_comment: missing KF102" in (
        capsys.readouterr().out
    )


def _writer(*options: str) -> list[str]:
    return [
        "writer",
        "--corpus",
        str(CORPUS),
        "--oracle",
        "off",
        "-k",
        "runtime/dense_no_bias",
        *options,
        "--",
        sys.executable,
        str(RUNTIME_WRITER),
    ]


def test_strict_per_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--strict=CODES fails only the chosen warnings: a writer that omits metadata.json
    fails --strict=KF112 and passes --strict=KF113 (and, without --strict, passes
    with the warning listed)."""
    script = tmp_path / "nometa_writer.py"
    script.write_text(
        "import sys, zipfile\n"
        f"sys.path.insert(0, {str(RUNTIME_WRITER.parent)!r})\n"
        "import runtime_writer\n"
        "def main(argv):\n"
        "    runtime_writer.main(argv)\n"
        "    out = argv[argv.index('--out') + 1]\n"
        "    with zipfile.ZipFile(out) as z:\n"
        "        data = {n: z.read(n) for n in z.namelist() if n != 'metadata.json'}\n"
        "    with zipfile.ZipFile(out, 'w') as z:\n"
        "        [z.writestr(n, d) for n, d in data.items()]\n"
        "    return 0\n"
    )
    prefix = [sys.executable, str(script)]
    argv = [*_writer("--no-runtime")[:-2], *prefix]
    cut = argv.index("--")
    with in_process(adapter(script).main, prefix):
        assert main([*argv[:cut], "--strict=KF112", *argv[cut:]]) == 1
        assert "written file has warning metadata.json: KF112" in capsys.readouterr().out
        assert main([*argv[:cut], "--error-on", "KF113", *argv[cut:]]) == 0
        assert main(argv) == 0
        assert "warnings KF112" in capsys.readouterr().out
    assert main([*argv[:cut], "--strict=KFX", *argv[cut:]]) == 2


def test_oracle_skipped_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "keras" else real(name, *a)
    )
    writer, reader = [sys.executable, str(RUNTIME_WRITER)], [sys.executable, str(READER)]
    argv = _writer("--reader", " ".join(reader))
    argv[argv.index("--oracle") + 1] = "auto"
    with in_process(adapter(RUNTIME_WRITER).main, writer), in_process(adapter(READER).main, reader):
        assert main(argv) == 0
        captured = capsys.readouterr()
        assert "oracle skipped: keras not installed" in captured.err
        assert "note: oracle skipped: keras not installed" in captured.out
        argv[argv.index("--oracle") + 1] = "on"
        assert main(argv) == 2


def test_readme_example_adapter_is_the_file_and_works(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README shows adapters/example_reader.py verbatim, and it is a working persistent
    loader: it passes sharded runtime cases, a zip64 file and a refusal in --mode load."""
    example = CORPUS / "adapters" / "example_reader.py"
    text = example.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 40
    assert f"```python\n{text.rstrip()}\n```" in (CORPUS / "README.md").read_text("utf-8")
    argv = ["reader", "--corpus", str(CORPUS), "--protocol", "lines", "--mode", "load"]
    for name in ("runtime/layout_sharded", "valid/container/zip64", "hostile/member_config_m"):
        argv += ["-k", name]
    assert main([*argv, "--", sys.executable, str(example)]) == 0, capsys.readouterr().out
    assert capsys.readouterr().out.splitlines()[-1] == "4 passed, 0 failed"


def test_config_equivalence_keeps_module_and_registered_name() -> None:
    """Keras 3 cannot locate a built-in model without ``module``, and refuses a built-in
    with a foreign ``registered_name``: the comparison keeps both (any Keras spelling of
    the module, a registered name equal to the class name, or none when it is null)."""
    want = {"module": "keras", "class_name": "Sequential", "registered_name": None, "config": {}}
    same = {"module": "keras.src.models.sequential", "class_name": "Sequential", "config": {}}
    assert config_difference(want, same) is None
    assert config_difference(want, {**same, "registered_name": "Sequential"}) is None
    assert "/module: missing" in (config_difference(want, {"class_name": "Sequential"}) or "")
    foreign = {**same, "registered_name": "my_pkg>Sequential"}
    assert "/registered_name" in (config_difference(want, foreign) or "")
    assert "/module" in (config_difference(want, {**same, "module": "my_pkg"}) or "")
