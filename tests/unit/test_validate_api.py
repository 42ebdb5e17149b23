"""kformat.iter_issues / kformat.check, every layout, and the reader's rule codes."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
from pathlib import Path

import pytest

import kformat
from kformat import Issue
from kformat._rules import RULES
from kformat.errors import UnsupportedFeatureError
from tests.unit.test_validate_cli import clean_archive

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "conformance" / "hostile"
FILES = ROOT / "conformance" / "keras_files"


def test_public_names() -> None:
    assert {"iter_issues", "check"} <= set(kformat.__all__)
    assert callable(kformat.iter_issues) and callable(kformat.check)


def test_validate_is_the_package_and_check_the_function() -> None:
    """``kformat.validate`` names one thing, the subpackage (``python -m kformat.validate``);
    no public name of ``kformat`` shadows a submodule of the same name."""
    import importlib
    import pkgutil
    import types

    import kformat.validate as kv

    assert isinstance(kv, types.ModuleType) and kv.__name__ == "kformat.validate"
    assert kformat.validate is kv
    assert kv.iter_issues is kformat.iter_issues and kv.check is kformat.check
    assert isinstance(kformat.check, types.FunctionType)
    assert kformat.check.__module__ == "kformat.validate"
    for info in pkgutil.iter_modules(kformat.__path__):
        assert info.name not in kformat.__all__, info.name
        module = importlib.import_module(f"kformat.{info.name}")
        assert getattr(kformat, info.name) is module, info.name


def test_valid_archive_in_every_layout(tmp_path: Path) -> None:
    archive = clean_archive()
    kformat.write(archive, tmp_path / "m.keras")
    kformat.write(archive, tmp_path / "dir")
    kformat.write(
        kformat.KerasArchive(None, weights=archive.weights, groups=archive.groups),
        tmp_path / "w.weights.h5",
    )
    kformat.write(
        kformat.KerasArchive(None, weights=archive.weights, groups=archive.groups),
        tmp_path / "s.weights.json",
        max_shard_size=48 / 1024**3,
    )
    for source in ["m.keras", "dir", "w.weights.h5", "s.weights.json"]:
        assert list(kformat.iter_issues(tmp_path / source)) == [], source
        kformat.check(tmp_path / source)
    with open(tmp_path / "m.keras", "rb") as f:
        assert list(kformat.iter_issues(f)) == []
    assert list(kformat.iter_issues(io.BytesIO((tmp_path / "m.keras").read_bytes()))) == []


def test_real_sharded_and_unzipped_files() -> None:
    for source in [
        FILES / "keras-3.15.1/sharded_weights/model.weights.json",
        FILES / "keras-3.15.1/unzipped_dir/model",
    ]:
        if not source.exists():
            pytest.skip("real-Keras corpus not generated")
        assert [i for i in kformat.iter_issues(source) if i.severity == "error"] == []


def test_never_raises_for_content_but_for_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "junk.keras").write_bytes(b"\0" * 10)
    assert [i.code for i in kformat.iter_issues(tmp_path / "junk.keras")] == ["KF101"]
    (tmp_path / "empty.keras").write_bytes(b"")
    assert [i.code for i in kformat.iter_issues(tmp_path / "empty.keras")] == ["KF101"]
    with pytest.raises(OSError):
        list(kformat.iter_issues(tmp_path / "missing.keras"))
    with pytest.raises(TypeError):
        list(kformat.iter_issues(42))  # type: ignore[arg-type]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.keras")
    assert [i.code for i in kformat.iter_issues(tmp_path / "pipe.keras")] == ["KF101"]


def test_validate_raises_with_every_issue(tmp_path: Path) -> None:
    archive = clean_archive()
    config = json.loads(json.dumps(archive.config))
    config["config"]["layers"][1]["config"]["units"] = 0
    config["config"]["layers"][3]["config"]["units"] = -1
    path = tmp_path / "bad.keras"
    kformat.write(dataclasses.replace(archive, config=config), path)
    with pytest.raises(kformat.InvalidArchiveError) as err:
        kformat.check(path)
    assert not isinstance(err.value, kformat.UnsafeArchiveError)
    assert [i.code for i in err.value.issues] == ["KF305", "KF305"]
    assert err.value.code == "KF305"
    assert err.value.member == "config.json" and err.value.path == "/config/layers/1/config/units"
    assert "and 1 more error" in str(err.value)


def test_issues_are_frozen_values() -> None:
    issue = Issue(
        "KF305",
        "error",
        "units must be >= 1, got 0",
        "config.json",
        "/config/layers/2/config/units",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.code = "KF999"  # type: ignore[misc]
    assert issue.render("model.keras") == (
        "model.keras::config.json#/config/layers/2/config/units: KF305 units must be >= 1, got 0"
    )


def test_every_issue_uses_its_rules_severity() -> None:
    for case in sorted(HOSTILE.glob("*/case.json")):
        meta = json.loads(case.read_text())
        limits = dataclasses.replace(kformat.DEFAULT_LIMITS, **meta.get("limits", {}))
        for issue in kformat.iter_issues(case.parent / meta["source"], limits=limits):
            assert issue.severity == RULES[issue.code].severity
            first = issue.message.split()[0]  # lower-case start; acronyms (JSON, CRC) allowed
            assert first[0].islower() or first.isupper() or not first[0].isalpha(), issue.message


def _read_rules() -> set[str]:
    text = (ROOT / "spec" / "format.md").read_text()
    table = text[text.index("## Appendix A") : text.index("## Appendix B")]
    return set(re.findall(r"^\| (KF\d{3}) \| error \| \S+ \| ✓ \|", table, re.M))


def test_reader_enforces_its_rules_with_their_codes_and_classes() -> None:
    """spec §11.2: read() raises at the first broken read() rule, with its class."""
    enforced = _read_rules()
    assert len(enforced) > 30
    exceptions = {
        "invalid": kformat.InvalidArchiveError,
        "unsafe": kformat.UnsafeArchiveError,
        "unsupported": UnsupportedFeatureError,
    }
    for case in sorted(HOSTILE.glob("*/case.json")):
        meta = json.loads(case.read_text())
        limits = dataclasses.replace(kformat.DEFAULT_LIMITS, **meta.get("limits", {}))
        wanted = {e["code"] for e in meta["expect"]}
        try:
            kformat.read(case.parent / meta["source"], limits=limits)
        except kformat.KFormatError as exc:
            assert exc.code in RULES, (case.parent.name, exc)
            assert type(exc) is exceptions[RULES[exc.code].kind], (case.parent.name, exc)
            continue
        assert not wanted & enforced, f"{case.parent.name}: read() accepted {wanted & enforced}"
