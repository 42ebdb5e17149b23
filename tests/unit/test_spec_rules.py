"""The numbered rules of spec/format.md: unique stable IDs, each with a severity.

Rules are level-4 headings ``#### KFnnn (error|warning) Title`` followed by the rule text and a
``*Rationale:*``; Appendix A indexes them (spec/README.md explains how IDs stay stable). A later
test cross-checks these IDs against the validator's code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "format.md"

HEADING = re.compile(r"^#### (KF\d{3}) \((error|warning)\) (\S.*)$")
ANY_HEADING_ID = re.compile(r"^#{1,6} .*\bKF\d{3}\b")
INDEX_ROW = re.compile(r"^\| (KF\d{3}) \| (error|warning) \| (I|U|N|—) \| ?(✓|◐|) ?\| (.+?) \|$")
RANGES = {
    "1": "container",
    "2": "documents",
    "3": "config",
    "4": "weights",
    "5": "safety",
    "6": "sharded",
}


def _lines() -> list[str]:
    return SPEC.read_text(encoding="utf-8").splitlines()


def _rules() -> list[tuple[str, str, str, int]]:
    """(id, severity, title, line number) for every rule heading."""
    return [
        (m.group(1), m.group(2), m.group(3), i)
        for i, line in enumerate(_lines())
        if (m := HEADING.match(line))
    ]


def _index() -> list[tuple[str, str, str, str, str]]:
    text = "\n".join(_lines())
    appendix = text.split("## Appendix A: Rule index", 1)[1].split("\n## ", 1)[0]
    return [m.groups() for line in appendix.splitlines() if (m := INDEX_ROW.match(line))]


RULES = _rules()
IDS = [r[0] for r in RULES]


def test_spec_defines_rules() -> None:
    assert len(RULES) >= 50, "spec/format.md should define the numbered rules"


def test_rule_ids_are_unique() -> None:
    dupes = sorted({i for i in IDS if IDS.count(i) > 1})
    assert not dupes, f"duplicate rule IDs: {dupes}"


def test_every_rule_heading_has_a_severity() -> None:
    """A heading that names a KF code but does not parse as a rule is a typo."""
    bad = [
        line
        for line in _lines()
        if line.startswith("####") and ANY_HEADING_ID.match(line) and not HEADING.match(line)
    ]
    assert not bad, f"rule headings without '(error)'/'(warning)': {bad}"


@pytest.mark.parametrize("rule_id", IDS)
def test_rule_id_is_in_a_known_range(rule_id: str) -> None:
    assert rule_id[2] in RANGES, f"{rule_id} is outside KF1xx-KF6xx"


@pytest.mark.parametrize(("rule_id", "line_no"), [(r[0], r[3]) for r in RULES])
def test_rule_has_statement_and_rationale(rule_id: str, line_no: int) -> None:
    lines = _lines()
    body: list[str] = []
    for line in lines[line_no + 1 :]:
        if line.startswith("#"):
            break
        body.append(line)
    text = " ".join(body)
    assert "*Rationale:*" in text, f"{rule_id} has no *Rationale:*"
    statement = text.split("*Rationale:*", 1)[0].strip()
    assert statement, f"{rule_id} has no statement before its rationale"


def test_index_lists_exactly_the_rules_in_order() -> None:
    index_ids = [row[0] for row in _index()]
    assert index_ids == sorted(index_ids), "Appendix A must be sorted by ID"
    assert index_ids == sorted(IDS), "Appendix A and the rule headings differ"


@pytest.mark.parametrize("row", _index(), ids=lambda row: row[0])
def test_index_row_matches_heading(row: tuple[str, str, str, str, str]) -> None:
    rule_id, severity, klass, _read, title = row
    heading = {r[0]: r for r in RULES}[rule_id]
    assert severity == heading[1], f"{rule_id}: index says {severity}, heading {heading[1]}"
    assert title == heading[2], f"{rule_id}: index title differs from the heading"
    # Warnings have no exception class; errors have one.
    assert (klass == "—") == (severity == "warning"), rule_id
    if severity == "warning":
        assert _read == "", f"{rule_id}: read() never raises for warnings"


def test_kf305_is_the_out_of_range_rule() -> None:
    """The validator and its docs use KF305 for `units must be >= 1, got 0`."""
    rule = {r[0]: r for r in RULES}["KF305"]
    assert rule[1] == "error"
    assert "out of range" in rule[2]


def test_every_referenced_rule_is_defined() -> None:
    """Prose may only cite rule IDs that exist."""
    cited = set(re.findall(r"\bKF\d{3}\b", SPEC.read_text(encoding="utf-8")))
    undefined = sorted(cited - set(IDS) - {"KF000"})
    assert not undefined, f"cited but not defined: {undefined}"
