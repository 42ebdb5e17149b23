"""The JSON Schemas the package ships (a copy of spec/schemas) and schema findings as issues.

Schema violations are rules KF210 (config.json), KF211 (metadata.json) and
KF601 (a ``.weights.json`` shard index); each issue carries the JSON pointer
into the document and into the schema that produced it.
"""

from __future__ import annotations

import contextvars
import functools
import json
import sys
import threading
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from kformat._issues import Issue
from kformat._json import pointer
from kformat._rules import RULES

if TYPE_CHECKING:  # imported on first use: a run that validates no document never loads them
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

__all__ = ["SCHEMA_NAMES", "load_schema", "schema_issues", "validator"]

#: Every schema the package ships: a copy of spec/schemas (a drift test keeps them equal).
SCHEMA_NAMES: tuple[str, ...] = tuple(
    sorted(
        entry.name
        for entry in resources.files("kformat").joinpath("schemas").iterdir()
        if entry.name.endswith(".schema.json")
    )
)
_MAX_MESSAGE = 240
# A document with thousands of schema errors is one broken document: report
# the first ones, the rest add nothing a fix would need.
_MAX_SCHEMA_ISSUES = 50


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """One packaged schema (``kformat/schemas/<name>``) as a dict."""
    text = resources.files("kformat").joinpath("schemas").joinpath(name).read_text(encoding="utf-8")
    value: dict[str, Any] = json.loads(text)
    return value


@functools.cache
def _registry() -> Registry[Any]:
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry()
    for name in SCHEMA_NAMES:
        schema = load_schema(name)
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return registry


_NAME = -1  # the key of a non-empty string under "name" (see _Memo.key)


class _Memo:
    """Remembers which (``$ref`` location, instance content) pairs validated clean.

    Keras configs repeat the same sub-objects hundreds of times (initializers,
    dtype policies, tensor specs); validating each once keeps schema validation
    linear in the *distinct* content, so a large or hostile 8 MiB config stays
    within seconds. Only successes are cached: failures are re-derived so every
    error keeps its own location.

    Content is hash-consed: equal values get the same small integer, an object
    or array is keyed by the integers of its members. Each value adds one
    entry of its own size, so the memo stays linear in the document (a text
    key per value repeats every descendant once per ancestor: a deep document
    made it hundreds of times the document's size).
    """

    def __init__(self) -> None:
        self.valid: set[tuple[int, int]] = set()
        #: (subschema id, type, value) of array items that validated clean
        self.scalars: set[tuple[int, type, Any]] = set()
        self.ids: dict[Any, int] = {}
        self.keys: dict[int, tuple[Any, int]] = {}
        self.targets: dict[int, Any] = {}

    def _intern(self, content: Any) -> int:
        found = self.ids.get(content)
        if found is None:
            found = self.ids[content] = len(self.ids)
        return found

    def _of(self, value: Any) -> int | None:
        if isinstance(value, (dict, list)):
            hit = self.keys.get(id(value))
            return hit[1] if hit is not None and hit[0] is value else None
        # (type, value): True, 1 and 1.0 are equal in Python, not in a schema.
        return self._intern((type(value), value))

    def key(self, instance: Any) -> int | None:
        """An integer naming the content of ``instance``: equal integers validate
        alike. The value of a ``name`` key that is a non-empty string is left
        out, because every schema constrains names only that far (layer names
        differ in every entry of a model; everything else repeats).
        ``None`` when the content cannot be keyed (not JSON data)."""
        try:
            return self._key(instance)
        except TypeError:  # an unhashable non-JSON value
            return None

    def _key(self, instance: Any) -> int | None:
        if not isinstance(instance, (dict, list)):
            return self._of(instance)
        # Post-order without recursion: a node is keyed once all its members are.
        stack: list[Any] = [instance]
        while stack:
            node = stack[-1]
            if self._of(node) is not None:
                stack.pop()
                continue
            members = node.values() if isinstance(node, dict) else node
            pending = [v for v in members if isinstance(v, (dict, list)) and self._of(v) is None]
            if pending:
                if len(stack) > 10_000:
                    return None  # not a parsed document (cyclic or absurdly deep)
                stack.extend(pending)
                continue
            stack.pop()
            if isinstance(node, dict):
                content: Any = (
                    dict,
                    tuple(
                        sorted(
                            (
                                (
                                    k,
                                    _NAME
                                    if k == "name" and isinstance(v, str) and v
                                    else self._of(v),
                                )
                                for k, v in node.items()
                            ),
                            key=lambda kv: str(kv[0]),
                        )
                    ),
                )
            elif not any(isinstance(v, (dict, list)) for v in node):
                # scalars only (a list of a million numbers): compared as they are,
                # with their types, at C speed
                content = (list, tuple(map(type, node)), tuple(node))
            else:
                content = (list, tuple(self._of(v) for v in node))
            self.keys[id(node)] = (node, self._intern(content))  # holds node: ids stay unique
        return self._of(instance)


_ACTIVE: contextvars.ContextVar[_Memo | None] = contextvars.ContextVar("kformat_schema_memo")


def _memo_ref(
    validator: Any, ref: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    memo = _ACTIVE.get(None)
    resolver = getattr(validator, "_resolver", None)  # jsonschema >= 4.18
    if memo is None or resolver is None:
        from jsonschema import Draft202012Validator

        yield from Draft202012Validator.VALIDATORS["$ref"](validator, ref, instance, schema)
        return
    # A $ref location always resolves to the same target (no $dynamicRef in
    # these schemas): resolve once, and share results between all places that
    # reference the same definition.
    resolved = memo.targets.get(id(schema))
    if resolved is None:
        resolved = resolver.lookup(ref)
        memo.targets[id(schema)] = resolved
    content = memo.key(instance)
    key = (id(resolved.contents), -2 if content is None else content)
    if content is not None and key in memo.valid:
        return
    errors = list(validator.descend(instance, resolved.contents, resolver=resolved.resolver))
    if content is not None and not errors:
        memo.valid.add(key)
    yield from errors


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _memo_items(
    validator: Any, items: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """Draft 2020-12 ``items`` that checks each distinct scalar once per subschema.

    A config may hold an array of a million numbers; jsonschema descends into
    every element (microseconds each). Whether a scalar is valid depends only
    on its value and the subschema, so a scalar that validated clean is not
    descended into again; failures are re-derived so each keeps its index.
    """
    memo = _ACTIVE.get(None)
    if memo is None or items is False or not isinstance(instance, list):
        from jsonschema import Draft202012Validator

        yield from Draft202012Validator.VALIDATORS["items"](validator, items, instance, schema)
        return
    prefix = len(schema.get("prefixItems", []))
    where = id(items)
    clean = memo.scalars
    for index in range(prefix, len(instance)):
        item = instance[index]
        kind = type(item)
        if kind in _SCALARS:
            key = (where, kind, item)
            if key in clean:
                continue
            errors = list(validator.descend(item, items, path=index))
            if errors:
                yield from errors
            else:
                clean.add(key)
        else:
            yield from validator.descend(item, items, path=index)


@functools.cache
def _validator_class() -> type[Draft202012Validator]:
    from jsonschema import Draft202012Validator, validators

    from kformat.validate._keywords import KEYWORDS

    cls: type[Draft202012Validator] = validators.extend(
        Draft202012Validator, {**KEYWORDS, "$ref": _memo_ref, "items": _memo_items}
    )
    return cls


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for a packaged schema, sibling ``$ref`` resolved
    (with ``$ref`` results memoized per document, see :class:`_Memo`)."""
    return _validator_class()(load_schema(name), registry=_registry())


def _message(error: ValidationError) -> str:
    text = " ".join(str(error.message).split())
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


# jsonschema recurses about ten Python frames per level of the document; the
# JSON depth limit (128) needs more than Python's default recursion limit.
_FRAMES_PER_LEVEL = 16
#: Deeper documents are not schema-validated (KF215): the frames they need
#: would risk the C stack. Twice the default ``Limits.max_json_depth``.
MAX_SCHEMA_DEPTH = 256
_LIMIT_LOCK = threading.Lock()
_raised = 0  # validations running under a raised limit (guarded by _LIMIT_LOCK)
_saved_limit = 0


def _depth(document: Any) -> int:
    depth, stack = 0, [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            depth = max(depth, level)
            if level > MAX_SCHEMA_DEPTH:
                break
            members = node.values() if isinstance(node, dict) else node
            stack.extend((v, level + 1) for v in members if isinstance(v, (dict, list)))
    return depth


def _collect(name: str, document: Any) -> list[ValidationError]:
    """Every schema error, with Python's recursion limit raised as far as this
    document's depth needs (and restored after the last concurrent run)."""
    global _raised, _saved_limit
    depth = _depth(document)
    if depth > MAX_SCHEMA_DEPTH:
        raise RecursionError(f"document depth {depth} is above {MAX_SCHEMA_DEPTH}")
    need = _FRAMES_PER_LEVEL * depth + 200
    with _LIMIT_LOCK:
        if _raised == 0:
            _saved_limit = sys.getrecursionlimit()
        _raised += 1
        current = sys.getrecursionlimit()
        if need + 1000 > current:
            sys.setrecursionlimit(need + 1000)
    try:
        return sorted(
            validator(name).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]
        )
    finally:
        with _LIMIT_LOCK:
            _raised -= 1
            if _raised == 0:
                sys.setrecursionlimit(_saved_limit)


def schema_issues(name: str, document: Any, code: str) -> Iterator[Issue]:
    """Yield one issue per schema violation of ``document`` (location-less
    except the JSON pointer; the driver adds the member)."""
    from jsonschema.exceptions import best_match

    severity = RULES[code].severity
    token = _ACTIVE.set(_Memo())
    errors: list[ValidationError] | None = None
    try:
        errors = _collect(name, document)
    except RecursionError:
        pass
    finally:
        _ACTIVE.reset(token)
    if errors is None:
        # Only a document deeper than any JSON document kformat parses
        # (Limits.max_json_depth) gets here, e.g. a dict handed to check_config.
        yield Issue(
            "KF215",
            RULES["KF215"].severity,
            f"document is nested deeper than {MAX_SCHEMA_DEPTH} levels; its schema is not checked",
            path="",
        )
        return
    for n, error in enumerate(errors):
        if n == _MAX_SCHEMA_ISSUES:
            yield Issue(
                code,
                severity,
                f"{len(errors) - n} more schema violations not listed",
                path="",
            )
            return
        # For anyOf/oneOf failures the deepest matching branch says most.
        specific = best_match(error.context) if error.context else None
        chosen = specific if specific is not None else error
        yield Issue(
            code,
            severity,
            _message(chosen),
            path=pointer(list(chosen.absolute_path)),
            schema_path="#" + pointer(list(chosen.absolute_schema_path)),
        )
