"""The committed corpus is well-formed: every case.json validates against
spec/schemas/case.schema.json, names files that exist, and says what its file holds."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import kformat
from kformat.conformance import decode
from kformat.validate import RULES
from tests.conformance._support import CORPUS, KNOWN_FAILURES, ROOT, cases

SCHEMAS = {p.name: json.loads(p.read_text()) for p in (ROOT / "spec" / "schemas").glob("*.json")}
REGISTRY: Registry = Registry().with_resources(
    (s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()
)
VALIDATOR = Draft202012Validator(SCHEMAS["case.schema.json"], registry=REGISTRY)
CASE_FILES = sorted(
    p for kind in ("valid", "invalid", "runtime") for p in (CORPUS / kind).rglob("case.json")
)
RECIPE_CASES = [c for c in cases() if c.origin == "recipe"]


def _id(path: Path) -> str:
    return path.parent.relative_to(CORPUS).as_posix()


def test_case_schema_is_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMAS["case.schema.json"])


def test_the_corpus_has_every_kind() -> None:
    kinds = {c.kind for c in RECIPE_CASES}
    assert kinds == {"valid", "invalid", "runtime"}
    assert len(CASE_FILES) == len(RECIPE_CASES) >= 100


@pytest.mark.parametrize("path", CASE_FILES, ids=_id)
def test_case_json_validates(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="ascii"))
    errors = [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
    assert not errors, errors


@pytest.mark.parametrize("case", RECIPE_CASES, ids=lambda c: c.id)
def test_case_files_exist_and_are_plain(case: Any) -> None:
    assert case.source.exists(), case.source
    if case.architecture is not None:
        assert case.architecture.is_file()
    if case.runtime is not None:
        for npz, names in (
            (case.runtime.inputs, case.runtime.input_names),
            (case.runtime.outputs, case.runtime.output_names),
        ):
            with np.load(npz, allow_pickle=False) as data:
                assert list(data.files) == list(names)
                for key in data.files:
                    assert data[key].dtype.kind in "biuf", (npz, key, data[key].dtype)
    if case.writer is not None:
        assert case.writer.description.is_file() and case.writer.weights.is_file()
        with np.load(case.writer.weights, allow_pickle=False) as data:
            assert all(k.rsplit("/", 1)[1].isdigit() for k in data.files)  # empty: weightless


@pytest.mark.parametrize(
    "case", [c for c in RECIPE_CASES if c.kind == "invalid"], ids=lambda c: c.id
)
def test_invalid_case_breaks_exactly_one_rule(case: Any) -> None:
    assert case.rule in RULES
    assert {i.code for i in case.issues} == {case.rule}
    assert all(i.severity == RULES[case.rule].severity for i in case.issues)
    assert case.valid == (RULES[case.rule].severity == "warning")


#: Warnings an invalid case carries because of the writer form it is built in, not the
#: fault it is about: ``_layer_checkpoint_dependencies`` exists only in tf.keras 2.13/2.14
#: files, whose top-level module Keras 3 cannot import (KF314).
# Cases that exist only in the Keras 2 form, which always carries its KF314 warning.
FORM_WARNINGS = {
    "invalid/weights/layer_checkpoint_variable_missing": {"KF314"},
    "invalid/weights/windows_backslash_paths": {"KF314"},
}


def _validator_issues(case: Any) -> list[tuple[str, str | None, str | None]]:
    # A generous HDF5 deadline: on a loaded machine the default one turns into KF429.
    limits = dataclasses.replace(
        kformat.DEFAULT_LIMITS, **{"h5_deadline_ms": 120_000, **case.limits}
    )
    return [
        (i.code, i.member, i.path)
        for i in kformat.iter_issues(case.source, limits=limits, deep=case.deep)
    ]


def test_each_invalid_case_breaks_exactly_the_rule_it_names() -> None:
    """Run the validator on every invalid recipe case with the case's rule disabled
    (its findings dropped): nothing else may be left, warnings included, and the rule's
    findings are exactly the expected ones. A case that broke a second rule would let a
    reader pass it for the wrong reason."""
    wrong = {}
    for case in RECIPE_CASES:
        if case.kind != "invalid":
            continue
        found = _validator_issues(case)
        form = FORM_WARNINGS.get(case.id, set())
        rest = sorted({f for f in found if f[0] != case.rule and f[0] not in form}, key=str)
        theirs = sorted({f for f in found if f[0] == case.rule}, key=str)
        expected = sorted({(i.code, i.member, i.path) for i in case.issues}, key=str)
        if rest or theirs != expected:
            wrong[case.id] = {"other rules": rest, "this rule": theirs, "expected": expected}
    assert not wrong, wrong


def test_valid_cases_break_no_rule_they_do_not_name() -> None:
    """valid/ and runtime/ cases: the validator finds exactly the warnings the case names
    (a Keras 2 form's KF314), nothing else."""
    wrong = {}
    for case in RECIPE_CASES:
        if case.kind == "invalid":
            continue
        found = sorted(set(_validator_issues(case)), key=str)
        expected = sorted({(i.code, i.member, i.path) for i in case.issues}, key=str)
        if found != expected:
            wrong[case.id] = (found, expected)
    assert not wrong, wrong


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[c.id], strict=True))
        if c.id in KNOWN_FAILURES
        else c
        for c in RECIPE_CASES
        if c.decoded is not None
    ],
    ids=lambda c: c.id,
)
def test_decoded_form_is_what_kformat_reads(case: Any) -> None:
    assert decode(case.source) == case.decoded


def test_keras_files_expectations_name_existing_cases() -> None:
    table = json.loads((CORPUS / "keras_files.expect.json").read_text())["cases"]
    tags = {p.name for p in (CORPUS / "keras_files").iterdir() if p.is_dir()}
    names = {p.parent.name for p in (CORPUS / "keras_files").glob("*/*/made.json")}
    for key in table:
        tag, name = key.split("/")
        assert tag == "*" or tag in tags, key
        assert name == "*" or name in names, key


def test_index_lists_every_recipe_case() -> None:
    index = json.loads((CORPUS / "index.json").read_text())
    assert sorted(index["cases"]) == sorted(c.id for c in RECIPE_CASES)
