"""The hostile corpus (conformance/hostile): every case refused, located, bounded, no canary.

Each case folder's case.json names the issues a validator must report; the
reader must raise only kformat's error family (or, for config-level faults it
does not check, return plain data); nothing may execute; and validating any
case stays under 5 s and 100 MB above the interpreter's baseline.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import kformat
from kformat._display import clean
from kformat._rules import RULES
from kformat.validate import _cli

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "conformance" / "hostile"
RECIPE = ROOT / "conformance" / "recipes" / "make_hostile.py"
CASES = sorted(p.parent.name for p in CORPUS.glob("*/case.json"))


def load(name: str) -> tuple[dict[str, Any], Path, kformat.Limits]:
    case = json.loads((CORPUS / name / "case.json").read_text())
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, **case.get("limits", {}))
    return case, CORPUS / name / case["source"], limits


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize("name", CASES)
def test_validator_reports_the_fault(name: str) -> None:
    """kformat.check raises the error family's class for the case's worst fault
    (UnsafeArchiveError iff an error of kind "unsafe"), carrying every issue,
    each expected one at its member and path."""
    case, source, limits = load(name)
    with pytest.raises(kformat.InvalidArchiveError) as err:
        kformat.check(source, limits=limits)
    issues = err.value.issues
    assert any(i.severity == "error" for i in issues)
    for want in case["expect"]:
        assert any(
            i.code == want["code"]
            and (want["member"] is None or i.member == want["member"])
            and (want["path"] is None or i.path == want["path"])
            for i in issues
        ), (want, [(i.code, i.member, i.path) for i in issues])
    unsafe = any(RULES[i.code].kind == "unsafe" for i in issues if i.severity == "error")
    assert isinstance(err.value, kformat.UnsafeArchiveError) == unsafe


@pytest.mark.parametrize("name", CASES)
def test_reader_raises_only_its_error_family(name: str) -> None:
    _, source, limits = load(name)
    try:
        archive = kformat.read(source, limits=limits)
    except kformat.KFormatError as exc:
        assert str(exc)
        return
    # Config-level faults are the validator's job: read() returns plain data.
    assert archive.config is not None or archive.layout in ("weights_h5", "sharded")


@pytest.mark.parametrize("name", CASES)
def test_cli_exits_1_and_names_the_place(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    case, source, _ = load(name)
    limits = [f"--limit={k}={v}" for k, v in case.get("limits", {}).items()]
    assert _cli.main([str(source), *limits]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    first = case["expect"][0]
    where = f"::{clean(first['member'])}" if first["member"] else ""  # printed escaped
    assert f"{source}{where}" in out and f": {first['code']} " in out


def test_every_known_attack_has_a_case() -> None:
    advisories = " ".join(
        str(json.loads((CORPUS / n / "case.json").read_text())["advisory"]) for n in CASES
    )
    for needle in [
        "CVE-2024-3660",
        "CVE-2025-1550",
        "CVE-2025-8747",
        "CVE-2025-9906",
        "CVE-2026-12481",
        "CVE-2025-12058",
        "CVE-2026-1462",
        "CVE-2026-0897",
        "CVE-2026-1669",
        "CVE-2026-12480",
        "CVE-2026-12479",
        "CVE-2025-12060",
        "#23010",
        "npz",
        "JSON recursion",
        "dangling",
        "absurd",
        "outside its folder",
        "filter plugins",
        "CVE-2025-49655",
    ]:
        assert needle in advisories, needle


def test_index_lists_every_case() -> None:
    index = json.loads((CORPUS / "index.json").read_text())
    assert sorted(index["cases"]) == CASES


def test_recipe_is_deterministic_and_matches_the_corpus(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(RECIPE), "--out", str(tmp_path)], check=True, capture_output=True
    )
    fresh = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    committed = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")}
    assert fresh == committed
    index = json.loads((CORPUS / "index.json").read_text())
    same_tools = (
        index["generator"] == json.loads((tmp_path / "index.json").read_text())["generator"]
    )
    for rel in sorted(fresh):
        a, b = tmp_path / rel, CORPUS / rel
        if a.is_symlink() or b.is_symlink():
            assert os.readlink(a) == os.readlink(b), rel
        elif rel == "index.json" and not same_tools:
            # The generator block records the tool versions themselves.
            fa, fb = json.loads(a.read_text()), json.loads(b.read_text())
            fa.pop("generator"), fb.pop("generator")
            assert fa == fb, rel
        elif a.is_file() and (same_tools or rel.endswith(".json")):
            assert a.read_bytes() == b.read_bytes(), rel


# --------------------------------------------------------------------------- canary

CANARIES = ["lambda", "lambda-nested", "lambda-tfk", "os", "exec", "torch", "npz"]
CANARY_PATHS = [Path(f"/tmp/kformat-canary-{kind}") for kind in CANARIES]


def test_canary_never_fires(corpus_run: dict[str, Any]) -> None:
    """Validating (default and --deep), reading and deserializing every case's
    config (in ``corpus_run``'s child) creates no canary file."""
    assert corpus_run["cases"] == len(CASES)
    assert [p for p in CANARY_PATHS if p.exists()] == []
    assert glob.glob("/tmp/kformat-canary-*") == []


def test_canary_payloads_are_real() -> None:
    """The payloads are what they claim: executing one would create its canary."""
    import base64
    import marshal
    import zipfile

    _, source, _ = load("lambda_bytecode")
    with zipfile.ZipFile(source) as zf:
        config = json.loads(zf.read("config.json"))
    code_b64 = config["config"]["layers"][4]["config"]["function"]["config"]["code"]
    code = marshal.loads(base64.b64decode(code_b64))  # decode only; never evaluated
    assert "/tmp/kformat-canary-lambda" in code.co_consts


# --------------------------------------------------------------------------- limits

_PROBE = r"""
import contextlib, dataclasses, json, pathlib, re, resource, sys
import kformat
from kformat import serialization
from kformat.validate._driver import run

def peak_kib():
    try:  # Linux: the high-water mark of the resident set
        status = pathlib.Path("/proc/self/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

corpus = pathlib.Path(sys.argv[1])
base = peak_kib()  # the interpreter with kformat imported
run(sys.argv[2])  # a valid file first: lazily imported modules, compiled schemas
cases = 0
for folder in sorted(p.parent for p in corpus.glob("*/case.json")):
    case = json.loads((folder / "case.json").read_text())
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, **case.get("limits", {}))
    run(folder / case["source"], limits=limits, deep=True)
    run(folder / case["source"], limits=limits)
    try:  # what a loader does next: read, then turn the config into objects
        archive = kformat.read(folder / case["source"], limits=limits)
    except kformat.KFormatError:
        archive = None
    if archive is not None and archive.config is not None:
        with contextlib.suppress(kformat.KFormatError, TypeError, ValueError, KeyError):
            serialization.deserialize(archive.config)
    cases += 1
print(json.dumps({"cases": cases, "mib": (peak_kib() - base) / 1024}))
"""


@pytest.fixture(scope="module")
def corpus_run() -> dict[str, Any]:
    """One child process validates every case (default and --deep), reads it
    and deserializes its config, after a valid file; it reports the cases run
    and its peak resident memory above the interpreter's baseline. The canary
    files are removed first; the subprocess deadline is only a hang guard."""
    for p in CANARY_PATHS:
        p.unlink(missing_ok=True)
    valid = ROOT / "examples" / "guide_functional.keras"
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(CORPUS), str(valid)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_every_case_runs_in_bounded_memory(corpus_run: dict[str, Any]) -> None:
    """Every case validates (default and --deep) and reads with the peak resident
    memory over the whole corpus < 100 MB above the interpreter's baseline
    (kformat imported). Time per case is not asserted."""
    m = corpus_run
    assert m["cases"] == len(list(CORPUS.glob("*/case.json")))
    assert m["mib"] < 100, m["mib"]
