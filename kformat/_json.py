"""Strict JSON for config.json, metadata.json and shard indexes (spec §3, §4, rules KF2xx).

Keras writes these documents with ``json.dumps`` defaults and reads them with
``json.loads`` (keras-team/keras: keras/src/saving/saving_lib.py). kformat reads
them more strictly: UTF-8 only, a size cap before parsing, a depth cap, and
duplicate keys found (Python's parser silently keeps the last one).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from kformat.errors import InvalidArchiveError, UnsafeArchiveError

__all__ = ["JsonDocument", "dump", "parse", "pointer"]


class _DuplicateKeyDict(dict):  # type: ignore[type-arg]
    """A parsed object that had repeated keys (the last value wins, as in
    ``json.loads``); ``duplicates`` names the repeated keys."""

    duplicates: list[str]


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    dups: list[str] = []
    for key, value in pairs:
        if key in result:
            dups.append(key)
        result[key] = value
    if not dups:
        return result
    marked = _DuplicateKeyDict(result)
    marked.duplicates = dups
    return marked


def pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """An RFC 6901 JSON pointer from path components."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class JsonDocument:
    """A parsed document plus what the strict reading found in it.

    Attributes:
        value: the parsed value (dicts, lists, str, int, float, bool, None).
        duplicate_keys: JSON pointers of keys that appeared twice in one object.
        non_finite: JSON pointers of ``NaN``/``Infinity`` values.
        depth: the nesting depth (an empty document or scalar is 0).
    """

    def __init__(self, value: Any) -> None:
        self.value = value
        self.duplicate_keys: list[str] = []
        self.non_finite: list[str] = []
        self.depth = 0
        self._scan()

    def _scan(self) -> None:
        # Iterative walk: the depth cap is enforced here, so no recursion.
        stack: list[tuple[Any, tuple[str | int, ...]]] = [(self.value, ())]
        while stack:
            node, parts = stack.pop()
            if isinstance(node, dict):
                self.depth = max(self.depth, len(parts) + 1)
                if isinstance(node, _DuplicateKeyDict):
                    self.duplicate_keys.extend(pointer((*parts, k)) for k in node.duplicates)
                stack.extend((v, (*parts, k)) for k, v in node.items())
            elif isinstance(node, list):
                self.depth = max(self.depth, len(parts) + 1)
                stack.extend((v, (*parts, i)) for i, v in enumerate(node))
            elif isinstance(node, float) and not math.isfinite(node):
                self.non_finite.append(pointer(parts))


def parse(data: bytes, *, member: str, max_bytes: int, max_depth: int) -> JsonDocument:
    """Parse ``data`` as strict UTF-8 JSON.

    Raises:
        InvalidArchiveError: too large, not UTF-8, not JSON, or too deep.
    """
    if len(data) > max_bytes:
        raise UnsafeArchiveError(
            f"document is {len(data)} bytes, above the limit of {max_bytes}",
            member=member,
            code="KF204",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        raise InvalidArchiveError(
            "document starts with a UTF-8 byte order mark", member=member, code="KF201"
        )
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidArchiveError(
            f"document is not valid UTF-8 at byte {exc.start}", member=member, code="KF201"
        ) from exc
    try:
        value = json.loads(text, object_pairs_hook=_pairs_hook)
    except json.JSONDecodeError as exc:
        raise InvalidArchiveError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            member=member,
            code="KF202",
        ) from exc
    except RecursionError as exc:
        raise UnsafeArchiveError(
            f"JSON nesting is deeper than the limit of {max_depth}", member=member, code="KF203"
        ) from exc
    except ValueError as exc:  # e.g. an integer literal with too many digits
        raise InvalidArchiveError(
            f"invalid JSON value: {exc}", member=member, code="KF202"
        ) from exc
    doc = JsonDocument(value)
    if doc.depth > max_depth:
        raise UnsafeArchiveError(
            f"JSON nesting depth {doc.depth} is above the limit of {max_depth}",
            member=member,
            code="KF203",
        )
    return doc


def iter_strings(value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield ``(path parts, string)`` for every string value (not keys)."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, (*parts, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*parts, i)) for i, v in enumerate(node))
        elif isinstance(node, str):
            yield parts, node


def dump(value: Any) -> bytes:
    """Serialize like Keras: ``json.dumps`` defaults (", " and ": ", ASCII
    escapes), no trailing newline (spec §3, keras saving_lib)."""
    try:
        return json.dumps(value).encode("ascii")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"value is not JSON-serializable: {exc}") from exc
