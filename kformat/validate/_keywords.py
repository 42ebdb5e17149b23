"""JSON Schema keywords whose failure messages stay short (spec §3.2: linear walks).

jsonschema builds every failure message with ``repr(instance)``, also inside
``if`` conditions whose errors are thrown away. On an array of a million
numbers nested 110 deep that is the whole array written out once per level:
time proportional to depth x size. These replacements decide exactly as
jsonschema 4.x does (jsonschema/_keywords.py) and describe the instance with
a bounded ``reprlib`` text.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = ["KEYWORDS"]

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlong = 40
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = 6
_REPR.maxlevel = 3


def short(instance: Any) -> str:
    """A bounded description of ``instance`` for a message."""
    return _REPR.repr(instance)


def _error(message: str, **kw: Any) -> ValidationError:
    from jsonschema.exceptions import ValidationError

    return ValidationError(message, **kw)


def _type(validator: Any, types: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    types = types if isinstance(types, list) else [types]
    if not any(validator.is_type(instance, t) for t in types):
        yield _error(f"{short(instance)} is not of type {', '.join(repr(t) for t in types)}")


def _enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    from jsonschema._utils import equal

    if all(not equal(each, instance) for each in enums):
        yield _error(f"{short(instance)} is not one of {short(enums)}")


def _size(kind: str, more: bool, empty: str, wrong: str) -> Callable[..., Iterator[Any]]:
    def check(validator: Any, bound: int, instance: Any, schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, kind) and (
            len(instance) > bound if more else len(instance) < bound
        ):
            special = bound == (0 if more else 1)
            yield _error(f"{short(instance)} {empty if special else wrong}")

    return check


def _unique(validator: Any, ui: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    from jsonschema._utils import uniq

    if ui and validator.is_type(instance, "array") and not uniq(instance):
        yield _error(f"{short(instance)} has non-unique elements")


def _pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not re.search(patrn, instance):
        yield _error(f"{short(instance)} does not match {patrn!r}")


def _any_of(validator: Any, any_of: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    all_errors = []
    for index, subschema in enumerate(any_of):
        errs = list(validator.descend(instance, subschema, schema_path=index))
        if not errs:
            return
        all_errors.extend(errs)
    yield _error(
        f"{short(instance)} is not valid under any of the given schemas", context=all_errors
    )


def _one_of(validator: Any, one_of: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    subschemas = enumerate(one_of)
    all_errors = []
    first_valid = None
    for index, subschema in subschemas:
        errs = list(validator.descend(instance, subschema, schema_path=index))
        if not errs:
            first_valid = subschema
            break
        all_errors.extend(errs)
    else:
        yield _error(
            f"{short(instance)} is not valid under any of the given schemas", context=all_errors
        )
        return
    more = [each for _, each in subschemas if validator.evolve(schema=each).is_valid(instance)]
    if more:
        more.append(first_valid)
        yield _error(f"{short(instance)} is valid under each of {short(more)}")


def _not(validator: Any, not_schema: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.evolve(schema=not_schema).is_valid(instance):
        yield _error(f"{short(instance)} should not be valid under {short(not_schema)}")


def _min_length(validator: Any, ml: int, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and len(instance) < ml:
        yield _error(f"{short(instance)} {'should be non-empty' if ml == 1 else 'is too short'}")


#: The replacements, by keyword (others: jsonschema's own).
KEYWORDS: Mapping[str, Callable[..., Iterator[Any]]] = {
    "type": _type,
    "enum": _enum,
    "minItems": _size("array", False, "should be non-empty", "is too short"),
    "maxItems": _size("array", True, "is expected to be empty", "is too long"),
    "minProperties": _size(
        "object", False, "should be non-empty", "does not have enough properties"
    ),
    "maxProperties": _size("object", True, "is expected to be empty", "has too many properties"),
    "uniqueItems": _unique,
    "pattern": _pattern,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "minLength": _min_length,
}
