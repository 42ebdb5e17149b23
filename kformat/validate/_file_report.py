"""One validated file's findings and which of them a report lists (spec/format.md §11.3).

Shared by every reporter (``_report`` for text, JSON and GitHub; ``_sarif``).
"""

from __future__ import annotations

import dataclasses

from kformat._display import MAX_CHARS, clean
from kformat._issues import Issue

__all__ = ["MAX_ISSUES", "MESSAGE_CHARS", "FileReport", "fails", "listed", "printable"]

#: issues listed per file unless ``--max-issues`` says otherwise
MAX_ISSUES = 200
#: a message embeds names, so it may be longer than one name
MESSAGE_CHARS = 2 * MAX_CHARS


@dataclasses.dataclass
class FileReport:
    """One validated file (or an argument that could not be opened).

    ``issues`` are those left after ``--select``/``--ignore``; the verdict and
    the counts follow them.
    """

    name: str
    issues: list[Issue] = dataclasses.field(default_factory=list)
    layout: str | None = None
    custom_objects: list[str] = dataclasses.field(default_factory=list)
    unreadable: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")

    def valid(self, *, strict: bool) -> bool:
        if self.unreadable is not None:
            return False
        return self.errors == 0 and (not strict or self.warnings == 0)


def printable(issue: Issue) -> Issue:
    """``issue`` with its member, path and message made safe to print."""
    return dataclasses.replace(
        issue,
        message=clean(issue.message, MESSAGE_CHARS),
        member=None if issue.member is None else clean(issue.member),
        path=None if issue.path is None else clean(issue.path),
        schema_path=None if issue.schema_path is None else clean(issue.schema_path),
    )


def listed(report: FileReport, *, strict: bool, quiet: bool, cap: int) -> tuple[list[Issue], int]:
    """The printable issues a report lists, and how many more it leaves out."""
    issues = [i for i in report.issues if not quiet or fails(i, strict)]
    shown = issues if cap <= 0 else issues[:cap]
    return [printable(i) for i in shown], len(issues) - len(shown)


def fails(issue: Issue, strict: bool) -> bool:
    return issue.severity == "error" or strict
