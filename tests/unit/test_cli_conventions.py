"""The command line's conventions (ruff, check-jsonschema, no-color.org) and ``kformat info``.

``--version``, ``-`` for stdin, ``--format sarif`` (validated against the
official SARIF 2.1.0 schema in tests/data), ``--select``/``--ignore`` prefixes,
``--color`` and ``NO_COLOR``, a quiet exit on a closed pipe, ``kformat info``
in natural order with parameter counts, a weights-only file that is not
Keras' layout (KF437), and the modules a validation imports.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from jsonschema import Draft4Validator

import kformat
from kformat.__main__ import main as kformat_main
from kformat._rules import RULES
from kformat.validate._cli import main, use_color
from tests.unit.test_validate_cli import clean_archive

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
KERAS_FILES = ROOT / "conformance" / "keras_files"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "model.keras"
    kformat.write(clean_archive(), path)
    return path


@pytest.fixture
def warned(tmp_path: Path) -> Path:
    """Two KF310 warnings (unmodelled layer classes) and a KF423 warning."""
    archive = clean_archive()
    config = json.loads(json.dumps(archive.config))
    config["config"]["layers"][1]["class_name"] = "Nope"
    config["config"]["layers"][2]["class_name"] = "Nope"
    path = tmp_path / "warned.keras"
    kformat.write(kformat.KerasArchive(config, archive.metadata, archive.weights), path)
    return path


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, *args], input=stdin, capture_output=True, cwd=ROOT, timeout=120
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"kformat {kformat.__version__}\n"
    assert kformat_main(["--version"]) == 0
    assert re.fullmatch(r"kformat \S+\n", capsys.readouterr().out)


def test_stdin_dash(
    good: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a real pipe (its fstat size is 0, which must not read as an empty file)
    proc = _run("-m", "kformat.validate", "-", stdin=good.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"<stdin>: valid\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"not a zip")))
    assert main(["-"]) == 1
    assert capsys.readouterr().out.startswith("<stdin>: KF101 ")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(good.read_bytes())))
    assert kformat_main(["info", "--format", "json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["file"] == "<stdin>"


def test_sarif_validates_against_the_sarif_schema(
    good: Path, warned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weights = tmp_path / "x.weights.h5"
    with h5py.File(weights, "w") as f:
        f["x"] = np.arange(3.0)
    args = [str(good), str(warned), str(weights), str(tmp_path / "missing.keras")]
    assert main(["--format", "sarif", *args]) == 2
    log = json.loads(capsys.readouterr().out)
    Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"KF310", "KF423", "KF437"}
    kf437 = by_rule["KF437"]
    assert kf437["level"] == "error" and rules[kf437["ruleIndex"]]["id"] == "KF437"
    (location,) = kf437["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == weights.as_uri()
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "x.weights.h5#/"
    assert by_rule["KF310"]["level"] == "warning"
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False  # the missing file
    assert "missing.keras" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_relative_uri_is_percent_encoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a b:c.keras").write_bytes(b"junk")
    assert main(["--format", "sarif", "a b:c.keras"]) == 1
    log = json.loads(capsys.readouterr().out)
    Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    (result,) = log["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "a%20b%3Ac.keras"


def test_select_and_ignore_take_prefixes(warned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def codes(*args: str) -> list[str]:
        main(["--format", "json", *args, str(warned)])
        return [i["code"] for i in json.loads(capsys.readouterr().out)["files"][0]["issues"]]

    assert codes() == ["KF310", "KF310", "KF423"]
    assert codes("--ignore", "KF310") == ["KF423"]
    assert codes("--ignore", "KF3,KF4") == []
    assert codes("--select", "KF4") == ["KF423"]
    assert codes("--select", "kf31", "--select", "KF423") == ["KF310", "KF310", "KF423"]
    assert codes("--select", "KF3", "--ignore", "KF310") == []
    # ignored issues do not fail a file
    assert main(["--strict", str(warned)]) == 1
    assert main(["--strict", "--ignore", "KF310,KF423", str(warned)]) == 0
    capsys.readouterr()
    for bad in ("KF9", "E501", "KF1000", "KF31x"):
        assert main(["--ignore", bad, str(warned)]) == 2
        assert "not a rule code" in capsys.readouterr().err


def test_color_choice_and_no_color(
    warned: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color("auto", Tty()) and not use_color("auto", io.StringIO())
    monkeypatch.setenv("NO_COLOR", "")  # empty: as if unset (no-color.org)
    assert use_color("auto", Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color("auto", Tty())
    assert use_color("always", io.StringIO())  # an explicit choice beats NO_COLOR
    assert not use_color("never", Tty())
    main(["--color", "always", str(warned)])
    assert "\033[33mKF310\033[0m" in capsys.readouterr().out
    main(["--color", "always", "--format", "json", str(warned)])
    assert "\033[" not in capsys.readouterr().out  # only the text report is coloured
    main(["--color", "never", str(warned)])
    assert "\033[" not in capsys.readouterr().out


def _many_weights(path: Path, n: int) -> None:
    with h5py.File(path, "w") as f:
        f.create_group("vars")
        for i in range(n):
            f[f"layers/dense_{i}/vars/0"] = np.zeros((2, 3), "float32")
            f[f"layers/dense_{i}/vars/0"].attrs["junk"] = 1  # KF428 each (capped per code)


@pytest.mark.parametrize(
    "args",
    [
        ["-m", "kformat", "info", "--format", "json"],
        ["-m", "kformat.validate", "--format", "sarif"],
    ],
)
def test_closed_pipe_exits_quietly(tmp_path: Path, args: list[str]) -> None:
    """The reader is gone before the output comes (``| head -0``; a write into a
    pipe that is closed only while it is being filled may go unnoticed)."""
    path = tmp_path / "many.weights.h5"
    _many_weights(path, 20)
    proc = subprocess.Popen(
        [sys.executable, *args, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    status = proc.wait(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err and b"Exception" not in err
    assert err == b""
    assert status == 0  # info read the file; the weights file is valid (warnings only)


def test_info_natural_order_and_parameter_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.weights.h5"
    with h5py.File(path, "w") as f:
        for i in (0, 1, 2, 10, 11):
            f[f"layers/dense/vars/{i}"] = np.zeros((i + 1,), "float32")
    assert kformat_main(["info", "--format", "json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [w["path"].rsplit("/", 1)[1] for w in doc["weights"]] == ["0", "1", "2", "10", "11"]
    assert [w["params"] for w in doc["weights"]] == [1, 2, 3, 11, 12]
    assert doc["params"] == 29
    guide = ROOT / "examples" / "guide_functional.keras"
    assert kformat_main(["info", "--format", "json", str(guide)]) == 0
    doc = json.loads(capsys.readouterr().out)
    layers = {layer["name"]: layer for layer in doc["layers"]}
    hidden = [w for w in doc["weights"] if w["path"].startswith(layers["hidden"]["path"] + "/")]
    assert layers["hidden"]["params"] == sum(w["params"] for w in hidden) > 0
    assert layers["drop"]["params"] == 0
    optimizer = [w["path"] for w in doc["weights"] if w["path"].startswith("/optimizer/")]
    assert optimizer.index("/optimizer/vars/2") < optimizer.index("/optimizer/vars/10")
    assert kformat_main(["info", str(guide)]) == 0
    out = capsys.readouterr().out
    assert f"layer hidden (Dense): {layers['hidden']['params']:,} params" in out
    assert out.index("/optimizer/vars/9 ") < out.index("/optimizer/vars/10 ")


def test_arbitrary_hdf5_is_not_a_weights_file(tmp_path: Path) -> None:
    path = tmp_path / "x.weights.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3.0)
    with pytest.raises(kformat.InvalidArchiveError) as info:
        kformat.read(path)
    assert info.value.code == "KF437" and "/x" in str(info.value) and "/layers" in str(info.value)
    issues = list(kformat.iter_issues(path, deep=True))
    assert [(i.code, i.path) for i in issues] == [("KF437", "/")]
    assert main(["--strict", "--deep", str(path)]) == 1
    empty = tmp_path / "empty.weights.h5"
    h5py.File(empty, "w").close()
    assert [i.code for i in kformat.iter_issues(empty)] == ["KF437"]


def test_real_keras_weights_files_have_keras_roots() -> None:
    files = sorted(KERAS_FILES.glob("*/weights_only/*.weights.h5"))
    if not files:
        pytest.skip("oracle corpus not generated")
    for path in files:
        assert "KF437" not in {i.code for i in kformat.iter_issues(path)}, path
        kformat.read(path)


#: frameworks a validation must never import
FRAMEWORKS = ("keras", "tensorflow", "jax", "scipy", "torch")


def _imported(*args: str) -> set[str]:
    proc = _run("-X", "importtime", *args)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    lines = proc.stderr.decode().splitlines()
    return {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}


@pytest.fixture(scope="module")
def validation_imports(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    path = tmp_path_factory.mktemp("imports") / "model.keras"
    kformat.write(clean_archive(), path)  # float32 weights only
    return _imported("-m", "kformat.validate", str(path))


def test_validation_imports_only_what_a_file_needs(validation_imports: set[str]) -> None:
    """Start-up cost is counted in modules, not seconds: a float32 .keras file
    needs numpy, h5py, jsonschema (its config), the standard library and
    kformat, and nothing else."""
    modules = validation_imports
    assert not {m for m in modules if m.split(".")[0] in FRAMEWORKS}
    needed = _imported("-c", "import h5py, jsonschema, argparse, zipfile, json")
    extra = {m for m in modules - needed if not m.startswith(("kformat", "ml_dtypes"))}
    assert len(extra) <= 25, sorted(extra)
    assert len(modules - needed) <= 75, sorted(modules - needed)  # kformat's own included
    # --version needs no file, so none of the heavy modules
    light = _imported("-m", "kformat.validate", "--version")
    assert not {m for m in light if m.split(".")[0] in ("numpy", "h5py", "jsonschema")}


def test_float32_validation_does_not_import_ml_dtypes(validation_imports: set[str]) -> None:
    """ml_dtypes (about a second to import) is for bfloat16/float8 weights only."""
    assert not {m for m in validation_imports if m.split(".")[0] == "ml_dtypes"}


def test_sarif_for_the_hostile_corpus_is_schema_valid(capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        json.loads(p.read_text()) | {"dir": p.parent}
        for p in sorted((ROOT / "conformance" / "hostile").glob("*/case.json"))
    ]
    sources = [str(c["dir"] / c["source"]) for c in cases if not c.get("limits")]
    assert main(["--format", "sarif", *sources]) == 1
    log = json.loads(capsys.readouterr().out)
    Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert len(uris) == len(set(sources))  # every file has a result: all are invalid
