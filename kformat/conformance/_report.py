"""Per-case results and how they are printed (one line per case, a summary, or JSON)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, Literal, TextIO

from kformat._display import clean

__all__ = ["Outcome", "Result", "render", "summary"]

Outcome = Literal["pass", "fail", "skip"]


@dataclasses.dataclass(frozen=True)
class Result:
    """What happened to one case."""

    case: str
    outcome: Outcome
    reason: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        tag = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[self.outcome]
        # A reason quotes the adapter's output and names from the case's file:
        # escaped like every report (spec §11.3) so neither can drive the terminal.
        reason = f": {clean(self.reason, 400)}" if self.reason else ""
        return f"{tag} {clean(self.case)}{reason}"


def summary(results: Sequence[Result]) -> str:
    """``N passed, M failed`` (plus ``, K skipped`` when any case was skipped)."""
    passed = sum(r.outcome == "pass" for r in results)
    failed = sum(r.outcome == "fail" for r in results)
    skipped = sum(r.outcome == "skip" for r in results)
    text = f"{passed} passed, {failed} failed"
    return text + (f", {skipped} skipped" if skipped else "")


def render(
    results: Sequence[Result], *, mode: str, command: Sequence[str], fmt: str, out: TextIO
) -> None:
    """Write the report: ``text`` (a line per case, then the summary) or ``json``."""
    if fmt == "json":
        doc: dict[str, Any] = {
            "mode": mode,
            "command": list(command),
            "results": [dataclasses.asdict(r) for r in results],
            "summary": {
                "passed": sum(r.outcome == "pass" for r in results),
                "failed": sum(r.outcome == "fail" for r in results),
                "skipped": sum(r.outcome == "skip" for r in results),
                "text": summary(results),
            },
        }
        out.write(json.dumps(doc, indent=2) + "\n")
        return
    out.write(summary(results) + "\n")
