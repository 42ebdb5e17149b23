"""The validator's reporters: text (check-jsonschema style), JSON (report.schema.json), GitHub.

Text lines are ``<file>::<member>#<path>: <code> <message>``; warnings carry
``(warning)`` after the code, like the rule headings of spec/format.md. The
JSON report validates against ``spec/schemas/report.schema.json``; the GitHub
format prints workflow commands (``::error …::…``) that annotate a run; SARIF
is in ``_sarif.py``. Every string that came from a file (names, paths,
messages) is made printable by :func:`kformat._display.clean` first, and at
most ``max_issues`` issues of a file are listed (spec/format.md §11.3).
"""

from __future__ import annotations

import json

from kformat._display import PATH_CHARS, clean
from kformat._issues import Issue
from kformat.validate._file_report import MAX_ISSUES, MESSAGE_CHARS, FileReport, listed
from kformat.validate._sarif import sarif

__all__ = ["MAX_ISSUES", "MESSAGE_CHARS", "REPORT_VERSION", "FileReport", "file_entry", "render"]

REPORT_VERSION = 1


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


def _more(n: int) -> str:
    return f"{_plural(n, 'more issue')} not listed (--max-issues)"


def _text(reports: list[FileReport], *, strict: bool, quiet: bool, color: bool, cap: int) -> str:
    lines: list[str] = []
    for report in reports:
        if report.unreadable is not None:
            continue  # said on stderr
        name = clean(report.name, PATH_CHARS)
        shown, hidden = listed(report, strict=strict, quiet=quiet, cap=cap)
        lines.extend(_line(name, issue, color) for issue in shown)
        if hidden:
            lines.append(f"{name}: ... and {_more(hidden)}")
        if quiet:
            continue
        counts = []
        if report.errors:
            counts.append(_plural(report.errors, "error"))
        if report.warnings:
            counts.append(_plural(report.warnings, "warning"))
        verdict = "valid" if report.valid(strict=strict) else "invalid"
        extra = f" ({', '.join(counts)})" if counts else ""
        if report.custom_objects:
            extra += f"; needs custom objects: {', '.join(map(clean, report.custom_objects))}"
        lines.append(f"{name}: {verdict}{extra}")
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


def file_entry(report: FileReport, *, strict: bool, cap: int) -> dict[str, object]:
    """One file's object of the JSON report (``#/$defs/file`` of report.schema.json),
    also one line of ``--format jsonl``."""
    shown, hidden = listed(report, strict=strict, quiet=False, cap=cap)
    entry: dict[str, object] = {
        "file": clean(report.name, PATH_CHARS),
        "valid": report.valid(strict=strict),
        "layout": report.layout,
        "errors": report.errors,
        "warnings": report.warnings,
        "custom_objects": list(dict.fromkeys(map(clean, report.custom_objects))),
        "issues": [_issue_json(i) for i in shown],
    }
    if hidden:
        entry["issues_not_listed"] = hidden
    if report.unreadable is not None:
        entry["unreadable"] = clean(report.unreadable, MESSAGE_CHARS)
    return entry


def _json(reports: list[FileReport], *, strict: bool, cap: int) -> str:
    from kformat import __version__

    files = [file_entry(report, strict=strict, cap=cap) for report in reports]
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


# GitHub workflow commands (actions/toolkit: packages/core/src/command.ts):
# data escapes %, CR and LF; property values also ':' and ','. clean() has
# already turned CR/LF into visible text, so these only guard the syntax.
def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(reports: list[FileReport], *, strict: bool, quiet: bool, cap: int) -> str:
    lines: list[str] = []
    for report in reports:
        name = _escape_property(clean(report.name, PATH_CHARS))
        if report.unreadable is not None:
            lines.append(
                f"::error file={name},title=unreadable::"
                f"{_escape_data(clean(report.unreadable, MESSAGE_CHARS))}"
            )
            continue
        shown, hidden = listed(report, strict=strict, quiet=quiet, cap=cap)
        for issue in shown:
            level = "error" if issue.severity == "error" else "warning"
            where = issue.location
            message = f"{where}: {issue.message}" if where else issue.message
            lines.append(
                f"::{level} file={name},"
                f"title={_escape_property(issue.code)}::{_escape_data(issue.code + ' ' + message)}"
            )
        if hidden:
            lines.append(f"::notice file={name}::{_escape_data(_more(hidden))}")
    return "".join(line + "\n" for line in lines)


def render(
    reports: list[FileReport],
    *,
    fmt: str,
    strict: bool,
    quiet: bool,
    color: bool = False,
    max_issues: int = MAX_ISSUES,
) -> str:
    """The report in ``fmt`` (``text``, ``json``, ``github`` or ``sarif``);
    ``max_issues`` <= 0 lists every issue."""
    if fmt == "json":
        return _json(reports, strict=strict, cap=max_issues)
    if fmt == "sarif":
        return sarif(reports, strict=strict, cap=max_issues)
    if fmt == "github":
        return _github(reports, strict=strict, quiet=quiet, cap=max_issues)
    return _text(reports, strict=strict, quiet=quiet, color=color, cap=max_issues)
