"""The validator's SARIF 2.1.0 report (``--format sarif``, spec/format.md §11.3).

One run whose ``tool.driver.rules`` lists every rule of the specification
(``kformat._rules.RULES``), and one result per issue: ``ruleId``/``ruleIndex``,
``level`` (the rule's severity), the message, and a location made of the file
(``physicalLocation.artifactLocation.uri``) and the place inside it as a logical
location (``model.weights.h5#/layers/dense/vars/0``). A ``.keras`` file is
binary, so no result has a line/column ``region``. Arguments that could not be
opened, and issues left out by ``--max-issues``, are tool execution
notifications of the run's invocation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from kformat._display import PATH_CHARS, clean
from kformat._issues import Issue
from kformat._rules import RULES
from kformat.validate._file_report import MESSAGE_CHARS, FileReport, listed

__all__ = ["SARIF_SCHEMA", "sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
STDIN = "<stdin>"


def _uri(name: str) -> str | None:
    """A URI reference for a path: relative paths stay relative (percent-encoded,
    ``/`` separators) so that code scanning can match them to the checkout."""
    if name == STDIN:
        return None
    path = Path(name)
    if path.is_absolute():
        try:
            return path.as_uri()
        except UnicodeEncodeError:
            pass  # a lone surrogate outside surrogateescape's range: encoded below
    text = path.as_posix()
    try:
        raw = os.fsencode(text)  # undoes the surrogateescape of an undecodable file name
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return ("file://" if path.is_absolute() else "") + quote(raw, safe="/")


def _artifact(name: str) -> dict[str, object] | None:
    uri = _uri(name)
    return None if uri is None else {"physicalLocation": {"artifactLocation": {"uri": uri}}}


def _location(name: str, issue: Issue) -> dict[str, object]:
    location: dict[str, object] = dict(_artifact(name) or {})
    where = issue.location
    if where:
        location["logicalLocations"] = [
            {
                "name": clean(issue.path or issue.member or where),
                "fullyQualifiedName": clean(where),
                "kind": "element" if issue.path else "resource",
            }
        ]
    return location


def _rules() -> list[dict[str, object]]:
    return [
        {
            "id": code,
            "shortDescription": {"text": rule.title},
            "defaultConfiguration": {"level": rule.severity},
            "properties": {"kind": rule.kind},
        }
        for code, rule in RULES.items()
    ]


def _notification(name: str, text: str, level: str) -> dict[str, object]:
    note: dict[str, object] = {"level": level, "message": {"text": text}}
    artifact = _artifact(name)
    if artifact is not None:
        note["locations"] = [artifact]
    return note


def sarif(reports: list[FileReport], *, strict: bool, cap: int) -> str:
    """The SARIF log of ``reports`` (one run), as JSON text."""
    from kformat import __version__

    index = {code: i for i, code in enumerate(RULES)}
    results: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    for report in reports:
        name = clean(report.name, PATH_CHARS)
        if report.unreadable is not None:
            notes.append(
                _notification(
                    report.name, f"{name}: {clean(report.unreadable, MESSAGE_CHARS)}", "error"
                )
            )
            continue
        shown, hidden = listed(report, strict=strict, quiet=False, cap=cap)
        for issue in shown:
            result: dict[str, object] = {
                "ruleId": issue.code,
                "level": issue.severity,
                "message": {"text": f"{issue.code} {issue.message}"},
                "locations": [_location(report.name, issue)],
            }
            if issue.code in index:
                result["ruleIndex"] = index[issue.code]
            results.append(result)
        if hidden:
            notes.append(
                _notification(report.name, f"{name}: {hidden} more issues not listed", "note")
            )
    invocation: dict[str, object] = {
        "executionSuccessful": all(r.unreadable is None for r in reports),
    }
    if notes:
        invocation["toolExecutionNotifications"] = notes
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kformat",
                        "version": __version__,
                        "rules": _rules(),
                    }
                },
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
