"""The JSON Schemas the package ships (a copy of spec/schemas) and schema findings as issues.

Schema violations are rules KF210 (config.json), KF211 (metadata.json) and
KF601 (a ``.weights.json`` shard index); each issue carries the JSON pointer
into the document and into the schema that produced it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from kformat._issues import Issue
from kformat._json import pointer
from kformat._rules import RULES

__all__ = ["SCHEMA_NAMES", "load_schema", "schema_issues", "validator"]

SCHEMA_NAMES = (
    "config.schema.json",
    "metadata.schema.json",
    "serialized-object.schema.json",
    "shard-index.schema.json",
    "report.schema.json",
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


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for a packaged schema, sibling ``$ref`` resolved."""
    return Draft202012Validator(load_schema(name), registry=_registry())


def _message(error: ValidationError) -> str:
    text = " ".join(str(error.message).split())
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def schema_issues(name: str, document: Any, code: str) -> Iterator[Issue]:
    """Yield one issue per schema violation of ``document`` (location-less
    except the JSON pointer; the driver adds the member)."""
    severity = RULES[code].severity
    errors = sorted(validator(name).iter_errors(document), key=lambda e: list(e.absolute_path))
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
