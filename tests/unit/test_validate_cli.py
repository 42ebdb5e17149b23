"""The validator's command line: formats, exit status, directories, strict/quiet/deep/limits."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import kformat
from kformat.__main__ import main as kformat_main
from kformat.validate._cli import main
from kformat.validate._schemas import load_schema
from tests.conftest import small_archive

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "conformance" / "hostile"


def clean_archive() -> kformat.KerasArchive:
    """tests.conftest's archive without its optimizer state (it has no compile_config)."""
    a = small_archive()
    weights = {k: v for k, v in a.weights.items() if not k.startswith("/optimizer")}
    groups = {k: v for k, v in a.groups.items() if not k.startswith("/optimizer")}
    return kformat.KerasArchive(a.config, a.metadata, weights, groups)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "model.keras"
    kformat.write(clean_archive(), path)
    return path


@pytest.fixture
def units_zero(tmp_path: Path) -> Path:
    archive = clean_archive()
    config = json.loads(json.dumps(archive.config))
    config["config"]["layers"][1]["config"]["units"] = 0
    path = tmp_path / "bad.keras"
    kformat.write(
        kformat.KerasArchive(config, archive.metadata, archive.weights, archive.groups), path
    )
    return path


def test_valid_file_exits_0(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: valid\n"


def test_text_line_format(units_zero: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(units_zero)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{units_zero}::config.json#/config/layers/1/config/units: KF305 units must be >= 1, got 0\n"
        in out
    )
    assert out.rstrip().endswith("invalid (1 error)") or "invalid (" in out.splitlines()[-1]


def test_quiet_prints_only_failures(
    units_zero: Path, good: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-q", str(good), str(units_zero)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(": KF" in line for line in lines)
    assert not any(line.endswith("valid") for line in lines)


def test_warnings_pass_unless_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = clean_archive()
    path = tmp_path / "nometa.keras"
    kformat.write(kformat.KerasArchive(archive.config, None, archive.weights, archive.groups), path)
    # kformat always writes metadata.json; drop it to get a warning (KF112).
    with zipfile.ZipFile(path) as zf:
        members = [(i, zf.read(i)) for i in zf.infolist() if i.filename != "metadata.json"]
    with zipfile.ZipFile(path, "w") as out:
        for info, data in members:
            out.writestr(info, data)
    assert main([str(path)]) == 0
    assert "KF112 (warning) " in capsys.readouterr().out
    assert main(["--strict", str(path)]) == 1
    assert main(["--strict", "-q", str(path)]) == 1
    assert "KF112" in capsys.readouterr().out


def test_custom_object_is_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "conformance/keras_files/keras-3.15.1/custom_registered/model.keras"
    if not path.exists():
        pytest.skip("oracle corpus not generated")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "KF306 (warning) needs a custom object: 'MyLayers>ScaleShift'" in out
    assert "needs custom objects: MyLayers>ScaleShift" in out
    assert main(["--strict", str(path)]) == 1


def test_json_report_validates_against_its_schema(
    good: Path, units_zero: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--format", "json", str(good), str(units_zero), str(good.parent / "nope")]) == 2
    report = json.loads(capsys.readouterr().out)
    Draft202012Validator(load_schema("report.schema.json")).validate(report)
    assert report["valid"] is False
    assert report["summary"] == {
        "files": 3,
        "invalid": 2,
        "unreadable": 1,
        "errors": 1,
        "warnings": 0,
    }
    assert report["files"][1]["issues"][0]["code"] == "KF305"
    assert report["files"][2]["unreadable"]


def test_json_report_for_the_hostile_corpus_is_schema_valid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = [
        json.loads(p.read_text()) | {"dir": p.parent} for p in sorted(HOSTILE.glob("*/case.json"))
    ]
    sources = [str(c["dir"] / c["source"]) for c in cases if not c.get("limits")]
    assert main(["--format", "json", *sources]) == 1
    report = json.loads(capsys.readouterr().out)
    Draft202012Validator(load_schema("report.schema.json")).validate(report)
    assert all(not f["valid"] for f in report["files"])


def test_github_annotations(units_zero: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "github", str(units_zero)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"::error file={units_zero},title=KF305::KF305 config.json#")
    assert "%0A" not in out and out.count("\n") == 1


def test_github_escapes_properties(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a,b:c.keras"
    path.write_bytes(b"junk")
    assert main(["--format", "github", str(path)]) == 1
    assert "a%2Cb%3Ac.keras" in capsys.readouterr().out


def test_directory_argument_validates_every_keras_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    kformat.write(clean_archive(), tmp_path / "a.keras")
    kformat.write(clean_archive(), tmp_path / "sub" / "b.keras")
    (tmp_path / "notes.txt").write_text("ignored")
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        f"{tmp_path / 'a.keras'}: valid" in out and f"{tmp_path / 'sub' / 'b.keras'}: valid" in out
    )


def test_unzipped_model_directory_is_one_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kformat.write(clean_archive(), tmp_path / "model")
    assert main([str(tmp_path / "model")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'model'}: valid\n"


def test_usage_and_unreadable_paths_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 2
    assert main(["--format", "xml", "x"]) == 2
    assert main([str(tmp_path / "missing.keras")]) == 2
    assert "No such file" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty")]) == 2
    assert main(["--limit", "max_bogus=3", str(tmp_path)]) == 2
    assert main(["--limit", "max_config_bytes=lots", str(tmp_path)]) == 2


def test_limit_override(units_zero: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--limit", "max_config_bytes=64", str(units_zero)]) == 1
    assert "KF204" in capsys.readouterr().out


def test_deep_reports_nan_and_crc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = clean_archive()
    weights = dict(archive.weights)
    weights["/layers/dense/vars/1"] = weights["/layers/dense/vars/1"].copy()
    weights["/layers/dense/vars/1"][0] = float("nan")
    path = tmp_path / "nan.keras"
    kformat.write(
        kformat.KerasArchive(archive.config, archive.metadata, weights, archive.groups), path
    )
    assert main([str(path)]) == 0
    assert "KF424" not in capsys.readouterr().out
    assert main(["--deep", str(path)]) == 0  # a warning
    assert "KF424 (warning) 1 of 3 values are NaN or infinite" in capsys.readouterr().out
    # Corrupt weight bytes: invisible without --deep (no weight byte is read), KF110 with it.
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("model.weights.h5")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.file_size - 4] ^= 0xFF  # the last bytes: dataset data
    path.write_bytes(bytes(data))
    assert main([str(path)]) == 0
    assert main(["--deep", str(path)]) == 1
    assert "KF110" in capsys.readouterr().out


def test_kformat_validate_subcommand(good: Path, units_zero: Path) -> None:
    assert kformat_main(["validate", str(good)]) == 0
    assert kformat_main(["validate", "--strict", "-q", str(units_zero)]) == 1


def test_python_dash_m(good: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kformat.validate", str(good)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("valid")
    proc = subprocess.run(
        [sys.executable, "-m", "kformat.validate", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0 and "--strict" in proc.stdout


def test_no_color_when_piped(units_zero: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(units_zero)])
    assert "\033[" not in capsys.readouterr().out


def test_pre_commit_hook_definition() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "id: kformat-validate" in text
    assert "entry: kformat validate" in text or "entry: python -m kformat.validate" in text
    files = re.search(r"^  files: (.+)$", text, re.M)
    assert files is not None
    pattern = re.compile(files.group(1))
    assert pattern.search("models/a.keras") and pattern.search("w/model.weights.h5")
    assert not pattern.search("notes.txt") and not pattern.search("a.keras.bak")
