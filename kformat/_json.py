"""Strict JSON for config.json, metadata.json and shard indexes (spec §3, §4, rules KF2xx).

Keras writes these documents with ``json.dumps`` defaults and reads them with
``json.loads`` (keras-team/keras: keras/src/saving/saving_lib.py). kformat reads
them more strictly: UTF-8 only, a size cap before parsing, a depth cap, and
duplicate keys found (Python's parser silently keeps the last one).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

from kformat._limits import DEFAULT_LIMITS
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


#: At most this many duplicate keys / non-finite numbers are located by
#: pointer; the rest are only counted (a million of them are one problem, and
#: building a pointer costs the depth of the value).
MAX_LOCATED = 64


def _children(node: Any) -> Iterator[tuple[Any, Any]]:
    return iter(node.items()) if isinstance(node, Mapping) else enumerate(node)


def walk(
    root: Any, containers: tuple[type, ...] = (dict, list)
) -> Iterator[tuple[list[str | int], Any, Any]]:
    """Every value below ``root`` depth-first, as ``(path, key, child)``.

    ``path`` is the live path of the child's parent (valid until the next
    step: copy it to keep it); a child that is one of ``containers`` is
    entered right after it is yielded, so its depth is ``len(path) + 2``.
    One stack of child iterators and one list of path components: linear in
    the document, never recursive, and a caller may stop at any point.
    Copying the path for every value made a deep document of many small
    values quadratic in time and memory.
    """
    if not isinstance(root, containers):
        return
    path: list[str | int] = []
    stack = [_children(root)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            if path:
                path.pop()
            continue
        key, child = item
        yield path, key, child
        if isinstance(child, containers):
            path.append(key)
            stack.append(_children(child))


class JsonDocument:
    """A parsed document plus what the strict reading found in it.

    Attributes:
        value: the parsed value (dicts, lists, str, int, float, bool, None).
        duplicate_keys: JSON pointers of keys that appeared twice in one object
            (the first :data:`MAX_LOCATED`; ``duplicate_count`` counts all).
        non_finite: JSON pointers of ``NaN``/``Infinity`` values (the first
            :data:`MAX_LOCATED`; ``non_finite_count`` counts all).
        depth: the nesting depth (an empty document or scalar is 0).
        nodes: the values in the document (containers, scalars and keys' values).
        stopped: ``"depth"`` or ``"nodes"`` when the scan stopped at a limit.
    """

    def __init__(
        self, value: Any, *, max_depth: int | None = None, max_nodes: int | None = None
    ) -> None:
        self.value = value
        self.duplicate_keys: list[str] = []
        self.non_finite: list[str] = []
        self.duplicate_count = 0
        self.non_finite_count = 0
        self.depth = 0
        self.nodes = 0
        self.stopped: str | None = None
        self._scan(max_depth, max_nodes)

    def _note_duplicates(self, node: Any, parts: list[str | int]) -> None:
        if isinstance(node, _DuplicateKeyDict):
            for key in node.duplicates:
                self.duplicate_count += 1
                if len(self.duplicate_keys) < MAX_LOCATED:
                    self.duplicate_keys.append(pointer([*parts, key]))

    def _scan(self, max_depth: int | None, max_nodes: int | None) -> None:
        root = self.value
        self.nodes = 1
        if not isinstance(root, (dict, list)):
            if isinstance(root, float) and not math.isfinite(root):
                self.non_finite_count = 1
                self.non_finite.append("")
            return
        self.depth = 1
        self._note_duplicates(root, [])
        for path, key, child in walk(root):
            self.nodes += 1
            if max_nodes is not None and self.nodes > max_nodes:
                self.stopped = "nodes"
                return
            if isinstance(child, (dict, list)):
                depth = len(path) + 2
                if depth > self.depth:
                    self.depth = depth
                    if max_depth is not None and depth > max_depth:
                        self.stopped = "depth"
                        return
                if isinstance(child, _DuplicateKeyDict):
                    self._note_duplicates(child, [*path, key])
            elif isinstance(child, float) and not math.isfinite(child):
                self.non_finite_count += 1
                if len(self.non_finite) < MAX_LOCATED:
                    self.non_finite.append(pointer([*path, key]))


def parse(
    data: bytes,
    *,
    member: str,
    max_bytes: int,
    max_depth: int,
    max_nodes: int = DEFAULT_LIMITS.max_json_nodes,
) -> JsonDocument:
    """Parse ``data`` as strict UTF-8 JSON.

    Raises:
        InvalidArchiveError: not UTF-8 or not JSON.
        UnsafeArchiveError: too large, too deep (KF203) or too many values (KF213).
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
    doc = JsonDocument(value, max_depth=max_depth, max_nodes=max_nodes)
    if doc.stopped == "depth":
        raise UnsafeArchiveError(
            f"JSON nesting depth is above the limit of {max_depth}",
            member=member,
            code="KF203",
        )
    if doc.stopped == "nodes":
        raise UnsafeArchiveError(
            f"JSON document holds more than {max_nodes} values (the limit)",
            member=member,
            code="KF213",
        )
    return doc


def iter_strings(value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield ``(path parts, string)`` for every string value (not keys), in
    document order; memory stays proportional to the depth."""
    if isinstance(value, str):
        yield (), value
    for path, key, child in walk(value):
        if isinstance(child, str):
            yield (*path, key), child


def dump(value: Any) -> bytes:
    """Serialize like Keras: ``json.dumps`` defaults (", " and ": ", ASCII
    escapes), no trailing newline (spec §3, keras saving_lib)."""
    try:
        return json.dumps(value).encode("ascii")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"value is not JSON-serializable: {exc}") from exc
