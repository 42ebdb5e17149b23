"""Every rule of spec/format.md Appendix A has at least one invalid conformance case:
in conformance/invalid/ (rule field) or in the hostile corpus (expected codes)."""

from __future__ import annotations

import re

from tests.conformance._support import ROOT, cases

#: Rules no file can break with the HDF5 library this corpus is built with; the validator's
#: unit tests (tests/unit/test_validate_rules.py) cover them with a fake HDF5 index.
UNREACHABLE = {
    "KF415": "HDF5 1.14 refuses to open a dataset whose data lies outside the file "
    "('invalid dataset size'), so such a file is reported as KF401 before KF415 can apply",
}


def appendix_a_codes() -> set[str]:
    text = (ROOT / "spec" / "format.md").read_text(encoding="utf-8")
    table = text[text.index("## Appendix A") : text.index("## Appendix B")]
    return set(re.findall(r"^\| (KF\d{3}) \|", table, re.M))


def covered() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for case in cases():
        if case.origin == "recipe" and case.kind == "invalid" and case.rule:
            out.setdefault(case.rule, []).append(case.id)
        elif case.origin == "hostile":
            for issue in case.issues:
                out.setdefault(issue.code, []).append(case.id)
    return out


def test_appendix_a_is_parsed() -> None:
    assert len(appendix_a_codes()) >= 80


def test_every_rule_has_an_invalid_case() -> None:
    missing = sorted(appendix_a_codes() - set(covered()) - set(UNREACHABLE))
    assert not missing, f"rules without an invalid conformance case: {missing}"


def test_unreachable_rules_are_really_uncovered() -> None:
    """Drop a rule from UNREACHABLE as soon as a case covers it."""
    assert not set(UNREACHABLE) & set(covered())
    assert set(UNREACHABLE) <= appendix_a_codes()


def test_recipe_cases_do_not_duplicate_hostile_codes_without_reason() -> None:
    """The recipe's invalid cases add faults the hostile corpus does not have; a recipe case
    for a code the hostile corpus holds must be a different fault (its own name)."""
    hostile = {c.id.split("/")[-1] for c in cases() if c.origin == "hostile"}
    recipe = {c.id.split("/")[-1] for c in cases() if c.origin == "recipe" and c.kind == "invalid"}
    assert not hostile & recipe
