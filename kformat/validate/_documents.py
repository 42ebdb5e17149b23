"""JSON members: strict parsing and schema validation as issues (spec/format.md §4, KF2xx).

The strict reader of ``kformat._json`` is shared with ``kformat.read``: a parse
failure is one issue carrying the reader's rule code, and nothing that
depends on the document is checked after it (no cascade). Duplicate keys and
non-finite numbers do not stop the parse, so all of them are listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kformat import _json
from kformat._issues import Issue
from kformat._limits import Limits
from kformat._rules import RULES, Sink
from kformat.errors import KFormatError
from kformat.validate._schemas import schema_issues

__all__ = ["metadata_issues", "parse_document"]

_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?([.+-]?[0-9A-Za-z.+-]*)$")


def parse_document(
    data: bytes, *, member: str, max_bytes: int, limits: Limits, sink: Sink
) -> dict[str, Any] | None:
    """Parse a JSON member; report what is wrong; return the object or ``None``
    when nothing should be checked further."""
    try:
        doc = _json.parse(
            data,
            member=member,
            max_bytes=max_bytes,
            max_depth=limits.max_json_depth,
            max_nodes=limits.max_json_nodes,
        )
    except KFormatError as exc:
        sink.report(exc.code or "KF202", exc.message, member=member, path=exc.path)
        return None
    for where in doc.duplicate_keys:
        sink.report(
            "KF205",
            "duplicate key in a JSON object (which value is meant is ambiguous)",
            member=member,
            path=where,
        )
    for where in doc.non_finite:
        sink.report(
            "KF206",
            "NaN/Infinity is not JSON (Python's json module writes it; strict parsers refuse it)",
            member=member,
            path=where,
        )
    for code, total, listed in (
        ("KF205", doc.duplicate_count, len(doc.duplicate_keys)),
        ("KF206", doc.non_finite_count, len(doc.non_finite)),
    ):
        if total > listed:
            sink.report(code, f"{total - listed} more of these are not located", member=member)
    if not isinstance(doc.value, dict):
        sink.report(
            "KF207",
            f"{member} must hold a JSON object, got {type(doc.value).__name__}",
            member=member,
            path="",
        )
        return None
    return doc.value


def schema_findings(schema: str, document: Any, code: str, member: str) -> Iterator[Issue]:
    """Schema issues of a parsed document, located in ``member``."""
    for issue in schema_issues(schema, document, code):
        yield issue.at(member=member)


def metadata_issues(metadata: dict[str, Any], member: str) -> Iterator[Issue]:
    """Schema (KF211) and version (KF212) issues of metadata.json."""
    yield from schema_findings("metadata.schema.json", metadata, "KF211", member)
    version = metadata.get("keras_version")
    if isinstance(version, str) and version and not _VERSION.match(version):
        yield Issue(
            "KF212",
            RULES["KF212"].severity,
            f"keras_version {version[:60]!r} is not a version number; the H5 layout is guessed",
            member=member,
            path="/keras_version",
        )
