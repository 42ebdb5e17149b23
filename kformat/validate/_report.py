"""The validator's reporters: text (check-jsonschema style), JSON (report.schema.json), GitHub.

Text lines are ``<file>::<member>#<path>: <code> <message>``; warnings carry
``(warning)`` after the code, like the rule headings of spec/format.md. The
JSON report validates against ``spec/schemas/report.schema.json``; the GitHub
format prints workflow commands (``::error file=…::…``) that annotate a run.
"""

from __future__ import annotations

import dataclasses
import json

from kformat._issues import Issue
from kformat.validate._driver import Result

__all__ = ["REPORT_VERSION", "FileReport", "render"]

REPORT_VERSION = 1


@dataclasses.dataclass
class FileReport:
    """One validated file (or an argument that could not be opened)."""

    name: str
    result: Result
    unreadable: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for i in self.result.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.result.issues if i.severity == "warning")

    def valid(self, *, strict: bool) -> bool:
        if self.unreadable is not None:
            return False
        return self.errors == 0 and (not strict or self.warnings == 0)


def _fails(issue: Issue, strict: bool) -> bool:
    return issue.severity == "error" or strict


def _line(name: str, issue: Issue, color: bool) -> str:
    text = issue.render(name)
    if issue.severity == "warning":
        text = text.replace(f": {issue.code} ", f": {issue.code} (warning) ", 1)
    if color:
        paint = "\033[31m" if issue.severity == "error" else "\033[33m"
        text = text.replace(f" {issue.code} ", f" {paint}{issue.code}\033[0m ", 1)
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _text(reports: list[FileReport], *, strict: bool, quiet: bool, color: bool) -> str:
    lines: list[str] = []
    for report in reports:
        if report.unreadable is not None:
            continue  # said on stderr
        for issue in report.result.issues:
            if not quiet or _fails(issue, strict):
                lines.append(_line(report.name, issue, color))
        if quiet:
            continue
        counts = []
        if report.errors:
            counts.append(_plural(report.errors, "error"))
        if report.warnings:
            counts.append(_plural(report.warnings, "warning"))
        verdict = "valid" if report.valid(strict=strict) else "invalid"
        extra = f" ({', '.join(counts)})" if counts else ""
        needs = report.result.custom_objects
        if needs:
            extra += f"; needs custom objects: {', '.join(needs)}"
        lines.append(f"{report.name}: {verdict}{extra}")
    return "".join(line + "\n" for line in lines)


def _issue_json(issue: Issue) -> dict[str, object]:
    return {
        "code": issue.code,
        "severity": issue.severity,
        "message": issue.message,
        "member": issue.member,
        "path": issue.path,
        "schema_path": issue.schema_path,
    }


def _json(reports: list[FileReport], *, strict: bool) -> str:
    from kformat import __version__

    files = []
    for report in reports:
        entry: dict[str, object] = {
            "file": report.name,
            "valid": report.valid(strict=strict),
            "layout": report.result.layout,
            "errors": report.errors,
            "warnings": report.warnings,
            "custom_objects": list(report.result.custom_objects),
            "issues": [_issue_json(i) for i in report.result.issues],
        }
        if report.unreadable is not None:
            entry["unreadable"] = report.unreadable
        files.append(entry)
    document = {
        "report_version": REPORT_VERSION,
        "tool": f"kformat {__version__}",
        "valid": all(r.valid(strict=strict) for r in reports),
        "strict": strict,
        "files": files,
        "summary": {
            "files": len(reports),
            "invalid": sum(1 for r in reports if not r.valid(strict=strict)),
            "unreadable": sum(1 for r in reports if r.unreadable is not None),
            "errors": sum(r.errors for r in reports),
            "warnings": sum(r.warnings for r in reports),
        },
    }
    return json.dumps(document, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(reports: list[FileReport], *, strict: bool, quiet: bool) -> str:
    lines: list[str] = []
    for report in reports:
        if report.unreadable is not None:
            lines.append(
                f"::error file={_escape_property(report.name)},title=unreadable::"
                f"{_escape_data(report.unreadable)}"
            )
            continue
        for issue in report.result.issues:
            if quiet and not _fails(issue, strict):
                continue
            level = "error" if issue.severity == "error" else "warning"
            where = issue.location
            message = f"{where}: {issue.message}" if where else issue.message
            lines.append(
                f"::{level} file={_escape_property(report.name)},"
                f"title={_escape_property(issue.code)}::{_escape_data(issue.code + ' ' + message)}"
            )
    return "".join(line + "\n" for line in lines)


def render(
    reports: list[FileReport], *, fmt: str, strict: bool, quiet: bool, color: bool = False
) -> str:
    """The report in ``fmt`` (``text``, ``json`` or ``github``)."""
    if fmt == "json":
        return _json(reports, strict=strict)
    if fmt == "github":
        return _github(reports, strict=strict, quiet=quiet)
    return _text(reports, strict=strict, quiet=quiet, color=color)
