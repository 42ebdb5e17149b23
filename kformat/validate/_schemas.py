"""The JSON Schemas the package ships (a copy of spec/schemas) and schema findings as issues.

Schema violations are rules KF210 (config.json), KF211 (metadata.json) and
KF601 (a ``.weights.json`` shard index); each issue carries the JSON pointer
into the document and into the schema that produced it.
"""

from __future__ import annotations

import contextvars
import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from kformat._issues import Issue
from kformat._json import pointer
from kformat._rules import RULES

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
    registry: Registry[Any] = Registry()
    for name in SCHEMA_NAMES:
        schema = load_schema(name)
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return registry


class _Memo:
    """Remembers which (``$ref`` location, instance content) pairs validated clean.

    Keras configs repeat the same sub-objects hundreds of times (initializers,
    dtype policies, tensor specs); validating each once keeps schema validation
    linear in the *distinct* content, so a large or hostile 8 MiB config stays
    within seconds. Only successes are cached: failures are re-derived so every
    error keeps its own location.
    """

    def __init__(self) -> None:
        self.valid: set[tuple[int, str | None]] = set()
        self.keys: dict[int, tuple[Any, str]] = {}
        self.targets: dict[int, Any] = {}

    def key(self, instance: Any) -> str | None:
        """A canonical text of ``instance``: equal texts validate alike. The value of
        a ``name`` key that is a non-empty string is left out, because every
        schema constrains names only that far (layer names differ in every entry
        of a model; everything else repeats)."""
        if not isinstance(instance, (dict, list)):
            return f"{type(instance).__name__}:{instance!r}"
        hit = self.keys.get(id(instance))
        if hit is not None and hit[0] is instance:
            return hit[1]
        try:
            if isinstance(instance, dict):
                parts = []
                for k in sorted(instance, key=str):
                    v = instance[k]
                    text = "<name>" if k == "name" and isinstance(v, str) and v else self.key(v)
                    if text is None:
                        return None
                    parts.append(f"{json.dumps(k)}:{text}")
                out = "{" + ",".join(parts) + "}"
            else:
                items = [self.key(v) for v in instance]
                if any(t is None for t in items):
                    return None
                out = "[" + ",".join(items) + "]"  # type: ignore[arg-type]
        except (TypeError, ValueError, RecursionError):
            return None
        self.keys[id(instance)] = (instance, out)  # holds the instance: ids stay unique
        return out


_ACTIVE: contextvars.ContextVar[_Memo | None] = contextvars.ContextVar("kformat_schema_memo")
_REF = Draft202012Validator.VALIDATORS["$ref"]


def _memo_ref(
    validator: Any, ref: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    memo = _ACTIVE.get(None)
    resolver = getattr(validator, "_resolver", None)  # jsonschema >= 4.18
    if memo is None or resolver is None:
        yield from _REF(validator, ref, instance, schema)
        return
    # A $ref location always resolves to the same target (no $dynamicRef in
    # these schemas): resolve once, and share results between all places that
    # reference the same definition.
    resolved = memo.targets.get(id(schema))
    if resolved is None:
        resolved = resolver.lookup(ref)
        memo.targets[id(schema)] = resolved
    text = memo.key(instance)
    key = (id(resolved.contents), text)
    if text is not None and key in memo.valid:
        return
    errors = list(validator.descend(instance, resolved.contents, resolver=resolved.resolver))
    if text is not None and not errors:
        memo.valid.add(key)
    yield from errors


@functools.cache
def _validator_class() -> type[Draft202012Validator]:
    cls: type[Draft202012Validator] = validators.extend(Draft202012Validator, {"$ref": _memo_ref})
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


def schema_issues(name: str, document: Any, code: str) -> Iterator[Issue]:
    """Yield one issue per schema violation of ``document`` (location-less
    except the JSON pointer; the driver adds the member)."""
    severity = RULES[code].severity
    token = _ACTIVE.set(_Memo())
    try:
        errors = sorted(
            validator(name).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]
        )
    finally:
        _ACTIVE.reset(token)
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
