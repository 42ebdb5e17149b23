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


def _plain_errors(name: str, doc: object) -> list[tuple[str, str]]:
    from referencing import Registry, Resource

    schemas = [load_schema(n) for n in SCHEMA_NAMES]
    registry: Registry[object] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas
    )
    plain = Draft202012Validator(load_schema(name), registry=registry)
    return sorted(("/".join(map(str, e.absolute_path)), e.message) for e in plain.iter_errors(doc))


def test_memoized_validation_agrees_with_plain_jsonschema() -> None:
    """The $ref memo (kformat/validate/_schemas.py) changes speed, never results:
    compare with a plain validator on the spec author's good and bad documents."""
    from kformat.validate._schemas import schema_issues
    from tests.unit import test_schemas as cases

    docs: list[object] = [f() for f in cases.VALID_CONFIGS.values()]
    for _, factory, path, value in cases.BAD_CONFIGS:
        docs.append(value if factory is None else cases._set(factory(), path, value))
    for doc in docs:
        ours = {i.path for i in schema_issues("config.schema.json", doc, "KF210")}
        plain = {"/" + p if p else "" for p, _ in _plain_errors("config.schema.json", doc)}
        assert bool(ours) == bool(plain), doc
        for path in ours:  # ours may point deeper (the best anyOf/oneOf branch)
            assert any(q == "" or path == q or path.startswith(q + "/") for q in plain), (
                path,
                plain,
            )


def test_memo_name_normalization_is_sound() -> None:
    """The memo ignores the text of non-empty ``name`` strings: no schema may
    constrain a property called ``name`` beyond type and minLength 1."""
    import json as _json

    def walk(node: object) -> list[object]:
        found = []
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict) and "name" in props:
                found.append(props["name"])
            for value in node.values():
                found += walk(value)
        elif isinstance(node, list):
            for value in node:
                found += walk(value)
        return found

    for name in SCHEMA_NAMES:
        if name == "report.schema.json":
            continue
        for spec in walk(load_schema(name)):
            assert isinstance(spec, dict)
            assert set(spec) <= {"type", "minLength", "description"}, _json.dumps(spec)
            assert spec.get("minLength", 1) <= 1
