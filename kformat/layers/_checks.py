"""Value domains of layer config keys (spec §5.9): a check and the words the spec uses.

A :class:`Check` is a predicate with its description: ``check("units", 0)``
returns why the value is outside the domain (``"units must be >= 1, got 0"``)
or ``None``; ``check.what`` is the domain as the spec's layer tables print it
(``int≥1``). The validator reports the message as KF305; the runtime raises it
as the constructor's ``ValueError``; the spec tables are generated from ``what``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACTIVATION",
    "ANY",
    "AXES",
    "BOOL",
    "CONSTRAINT",
    "DATA_FORMAT",
    "EQUATION",
    "INITIALIZER",
    "INT",
    "NONNEG_INT",
    "OBJECT",
    "OUTPUT_SHAPE",
    "POS_INT",
    "RATE",
    "REGULARIZER",
    "SHAPE",
    "STR",
    "Check",
    "either",
    "enum",
    "int_tuple",
    "is_int",
    "is_num",
    "num",
    "opt",
    "positive",
]


@dataclass(frozen=True)
class Check:
    """A domain: ``fn(name, value)`` gives the reason a value is outside it, or ``None``."""

    fn: Callable[[str, Any], str | None]
    what: str

    def __call__(self, name: str, value: Any) -> str | None:
        return self.fn(name, value)


def is_int(v: Any) -> bool:
    """A JSON integer (booleans are not integers, spec §5.9)."""
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v: Any) -> bool:
    """A finite JSON number; ``math.isfinite`` of a huge int would overflow."""
    return is_int(v) or (isinstance(v, float) and math.isfinite(v))


def positive(v: Any) -> bool:
    """An integer >= 1."""
    return is_int(v) and v >= 1


def _int(lo: int | None) -> Check:
    def fn(name: str, v: Any) -> str | None:
        if not is_int(v):
            return f"{name} must be an integer, got {v!r}"
        if lo is not None and v < lo:
            return f"{name} must be >= {lo}, got {v}"
        return None

    return Check(fn, "integer" if lo is None else f"int≥{lo}")


INT = _int(None)
NONNEG_INT = _int(0)
POS_INT = _int(1)


def num(
    lo: float | None = None,
    hi: float | None = None,
    *,
    open_lo: bool = False,
    open_hi: bool = False,
) -> Check:
    """A finite number in a range; ``open_*`` excludes the bound."""
    if lo is not None and hi is not None:
        span = f"{'(' if open_lo else '['}{lo:g}, {hi:g}{')' if open_hi else ']'}"
        what = f"number in {span}"
    elif lo is not None:
        span = f"{'>' if open_lo else '>='} {lo:g}"
        what = f"number {'>' if open_lo else '≥'} {lo:g}"
    elif hi is not None:
        span = f"{'<' if open_hi else '<='} {hi:g}"
        what = f"number {'<' if open_hi else '≤'} {hi:g}"
    else:
        span, what = "", "number"

    def fn(name: str, v: Any) -> str | None:
        if not is_num(v):
            return f"{name} must be a finite number, got {v!r}"
        bad_lo = lo is not None and (v <= lo if open_lo else v < lo)
        bad_hi = hi is not None and (v >= hi if open_hi else v > hi)
        if bad_lo or bad_hi:
            joiner = " in " if lo is not None and hi is not None else " "
            return f"{name} must be{joiner}{span}, got {v}"
        return None

    return Check(fn, what)


RATE = num(0.0, 1.0)
BOOL = Check(
    lambda name, v: None if isinstance(v, bool) else f"{name} must be true or false, got {v!r}",
    "boolean",
)
STR = Check(
    lambda name, v: None if isinstance(v, str) else f"{name} must be a string, got {v!r}",
    "string",
)
OBJECT = Check(
    lambda name, v: None if isinstance(v, dict) else f"{name} must be an object, got {v!r}",
    "object",
)
ANY = Check(lambda name, v: None, "any")


def opt(inner: Check) -> Check:
    """``inner`` or ``null``."""
    return Check(lambda name, v: None if v is None else inner(name, v), f"{inner.what} or `null`")


def either(*checks: Check, what: str) -> Check:
    """Any of ``checks``; ``what`` names the union."""

    def fn(name: str, v: Any) -> str | None:
        if any(c(name, v) is None for c in checks):
            return None
        return f"{name} must be {what}, got {v!r}"

    return Check(fn, what)


def enum(*values: str) -> Check:
    """One of the given strings (compared as written: Keras lower-cases some first)."""
    shown = ", ".join(f"`{v}`" for v in values)

    def fn(name: str, v: Any) -> str | None:
        if isinstance(v, str) and v in values:
            return None
        return f"{name} must be one of {', '.join(map(repr, values))}, got {v!r}"

    return Check(fn, f"one of {shown}")


def _axes(name: str, v: Any) -> str | None:
    if is_int(v):
        return None
    if isinstance(v, list) and v and all(is_int(a) for a in v):
        if len(set(v)) != len(v):
            return f"{name} must not repeat an axis, got {v}"
        return None
    return f"{name} must be an integer or a non-empty list of integers, got {v!r}"


AXES = Check(_axes, "integer or non-empty array of distinct integers")


def _shape(name: str, v: Any) -> str | None:
    if not isinstance(v, list):
        return f"{name} must be a list of dimensions, got {v!r}"
    for d in v:
        if d is not None and not (is_int(d) and d >= 0):
            return f"{name} dimensions must be integers >= 0 or null, got {d!r}"
    return None


SHAPE = Check(_shape, "shape")


def _output_shape(name: str, v: Any) -> str | None:
    if is_int(v):
        return None if v >= 1 else f"{name} must be >= 1, got {v}"
    if not isinstance(v, list):
        return f"{name} must be an integer or a list of dimensions, got {v!r}"
    for d in v:
        if d is not None and not (is_int(d) and d >= 1):
            return f"{name} dimensions must be integers >= 1 or null, got {d!r}"
    return None


OUTPUT_SHAPE = Check(_output_shape, "int≥1, or array of (int≥1 or `null`)")


def int_tuple(rank: int, lo: int = 1, *, scalar: bool = True) -> Check:
    """``rank`` integers ≥ ``lo`` (a JSON array), or one such integer when ``scalar``
    (Keras' ``standardize_tuple`` accepts both and saves the array)."""

    def fn(name: str, v: Any) -> str | None:
        if scalar and is_int(v):
            return None if v >= lo else f"{name} must be >= {lo}, got {v}"
        if not isinstance(v, list) or len(v) != rank or not all(is_int(d) for d in v):
            many = "an integer or " if scalar else ""
            return f"{name} must be {many}a list of {rank} integers, got {v!r}"
        low = [d for d in v if d < lo]
        return f"{name} values must be >= {lo}, got {v}" if low else None

    rng = f"int≥{lo}" if lo else "integer"
    return Check(fn, f"{rng} or array of {rank} ({rng})" if scalar else f"array of {rank} {rng}")


_EINSUM = re.compile(r"^(\.\.\.)?[a-zA-Z]+(\.\.\.)?,[a-zA-Z]+->(\.\.\.)?[a-zA-Z]+(\.\.\.)?$")
EQUATION = Check(
    lambda name, v: (
        None
        if isinstance(v, str) and _EINSUM.match(v)
        else f"{name} must be an einsum equation like 'ab,bc->ac', got {v!r}"
    ),
    "einsum equation string",
)


def _function_like(what: str, word: str) -> Check:
    # A string or a serialized object: names are resolved by the safety pass (§5.10).
    def fn(name: str, v: Any) -> str | None:
        if v is None or isinstance(v, (str, dict)):
            return None
        return f"{name} must be {what} (a name or a serialized object), got {v!r}"

    return Check(fn, word)


ACTIVATION = _function_like("an activation", "activation")
INITIALIZER = _function_like("an initializer", "initializer")
REGULARIZER = _function_like("a regularizer", "regularizer")
CONSTRAINT = _function_like("a constraint", "constraint")
DATA_FORMAT = enum("channels_last", "channels_first")
