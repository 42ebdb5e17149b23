"""The package ships spec/schemas (kformat/schemas is a copy) and the report schema is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from kformat.validate._schemas import SCHEMA_NAMES, load_schema, validator

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "schemas"
PACKAGED = ROOT / "kformat" / "schemas"


def test_packaged_schemas_equal_the_spec() -> None:
    """Schemas live once: authors edit spec/schemas; the package carries a copy.
    On failure run: cp spec/schemas/*.schema.json kformat/schemas/"""
    spec = {p.name: p.read_bytes() for p in SPEC.glob("*.schema.json")}
    packaged = {p.name: p.read_bytes() for p in PACKAGED.glob("*.schema.json")}
    assert sorted(packaged) == sorted(spec)
    drifted = [name for name in spec if spec[name] != packaged[name]]
    assert drifted == [], f"kformat/schemas is stale: {drifted}"


def test_every_shipped_schema_is_loaded() -> None:
    assert sorted(SCHEMA_NAMES) == sorted(p.name for p in PACKAGED.glob("*.schema.json"))


def test_schemas_are_package_data() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"schemas/*.json"' in pyproject


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))
    assert validator(name) is validator(name)  # built once


def test_report_schema_rejects_malformed_reports() -> None:
    v = validator("report.schema.json")
    good = {
        "report_version": 1,
        "tool": "kformat 0.1.0",
        "valid": True,
        "strict": False,
        "files": [],
        "summary": {"files": 0, "invalid": 0, "unreadable": 0, "errors": 0, "warnings": 0},
    }
    assert not list(v.iter_errors(good))
    bad_issue = {
        "code": "E1",
        "severity": "fatal",
        "message": "",
        "member": None,
        "path": None,
        "schema_path": None,
    }
    bad = good | {
        "files": [
            {"file": "m.keras", "valid": False, "errors": 1, "warnings": 0, "issues": [bad_issue]}
        ]
    }
    assert len(list(v.iter_errors(bad))) >= 3
