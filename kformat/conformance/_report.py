"""Per-case results and how they are printed.

Formats: ``text`` (a line per case as it finishes, every failure of it listed, then a
table per area and the summary line), ``jsonl`` (one JSON object per case as it
finishes, then one ``{"summary": ...}`` line) and ``json`` (one document at the end).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, Literal, TextIO

from kformat._display import clean

__all__ = ["Outcome", "Result", "area_of", "area_table", "render", "summary"]

Outcome = Literal["pass", "fail", "skip"]


def area_of(case_id: str) -> str:
    """The area a case counts under: its id without the case name
    (``invalid/config``, ``runtime``, ``keras_files/keras-3.15.1``, ``hostile``)."""
    head = case_id.rsplit("/", 1)[0]
    return head if head != case_id else "."


@dataclasses.dataclass(frozen=True)
class Result:
    """What happened to one case: the outcome, the first reason and any further ones."""

    case: str
    outcome: Outcome
    reason: str = ""
    seconds: float = 0.0
    more: tuple[str, ...] = ()

    @property
    def reasons(self) -> list[str]:
        return [r for r in (self.reason, *self.more) if r]

    def line(self) -> str:
        tag = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[self.outcome]
        # A reason quotes the adapter's output and names from the case's file:
        # escaped like every report (spec §11.3) so neither can drive the terminal.
        reason = f": {clean(self.reason, 400)}" if self.reason else ""
        extra = "".join(f"\n    also: {clean(r, 400)}" for r in self.more)
        return f"{tag} {clean(self.case)}{reason}{extra}"

    def record(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "area": area_of(self.case),
            "outcome": self.outcome,
            "reason": self.reason,
            "reasons": self.reasons,
            "seconds": round(self.seconds, 3),
        }


def failed_result(case: str, reasons: Sequence[str], seconds: float) -> Result:
    """A ``fail`` result listing ``reasons`` (at least one)."""
    return Result(case, "fail", reasons[0], seconds, tuple(reasons[1:]))


def summary(results: Sequence[Result]) -> str:
    """``N passed, M failed`` (plus ``, K skipped`` when any case was skipped)."""
    passed = sum(r.outcome == "pass" for r in results)
    failed = sum(r.outcome == "fail" for r in results)
    skipped = sum(r.outcome == "skip" for r in results)
    text = f"{passed} passed, {failed} failed"
    return text + (f", {skipped} skipped" if skipped else "")


def _areas(results: Sequence[Result]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for r in results:
        row = rows.setdefault(
            area_of(r.case),
            {"area": area_of(r.case), "passed": 0, "failed": 0, "skipped": 0, "seconds": 0.0},
        )
        row[{"pass": "passed", "fail": "failed", "skip": "skipped"}[r.outcome]] += 1
        row["seconds"] += r.seconds
    for row in rows.values():
        row["seconds"] = round(row["seconds"], 1)
    return [rows[k] for k in sorted(rows)]


def area_table(results: Sequence[Result]) -> str:
    """A plain-text table: one row per area with its counts."""
    rows = _areas(results)
    width = max([len("area"), *(len(r["area"]) for r in rows)])
    lines = [f"{'area':<{width}}  passed  failed  skipped"]
    lines += [
        f"{r['area']:<{width}}  {r['passed']:>6}  {r['failed']:>6}  {r['skipped']:>7}" for r in rows
    ]
    return "\n".join(lines)


def summary_record(results: Sequence[Result], notes: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "passed": sum(r.outcome == "pass" for r in results),
        "failed": sum(r.outcome == "fail" for r in results),
        "skipped": sum(r.outcome == "skip" for r in results),
        "text": summary(results),
        "areas": _areas(results),
        "notes": list(notes),
    }


def render(
    results: Sequence[Result],
    *,
    mode: str,
    command: Sequence[str],
    fmt: str,
    out: TextIO,
    notes: Sequence[str] = (),
) -> None:
    """Write the end of the report (the per-case lines were streamed as cases finished)."""
    if fmt == "json":
        doc: dict[str, Any] = {
            "mode": mode,
            "command": list(command),
            "results": [r.record() for r in results],
            "summary": summary_record(results, notes),
        }
        out.write(json.dumps(doc, indent=2) + "\n")
        return
    if fmt == "jsonl":
        out.write(json.dumps({"summary": summary_record(results, notes)}) + "\n")
        return
    for note in notes:
        out.write(f"note: {clean(note, 400)}\n")
    out.write(area_table(results) + "\n")
    out.write(summary(results) + "\n")
