"""Config keys and shape arithmetic the spatial layers share (pooling, padding,
cropping, up-sampling; spec §5.9).

Keras normalizes these keys in the constructor (``keras/src/backend/config.py``
``standardize_data_format``, ``keras/src/utils/argument_validation.py``
``standardize_tuple``) and saves the normalized form; the runtime applies the
same normalization (``convert``), and the shape functions read raw, untrusted
configs, so every reader here returns ``None`` instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.layers import _checks as c
from kformat.layers._def import Field, Shape, f

__all__ = [
    "channels_first",
    "data_format_field",
    "int_tuple_field",
    "pairs",
    "pairs_field",
    "spatial_axes",
    "to_tuple",
    "with_spatial",
]

_FORMATS = ("channels_last", "channels_first")


def _data_format(name: str, v: Any) -> str | None:
    # ``standardize_data_format``: None means the image data format, case is ignored.
    if v is None or (isinstance(v, str) and v.lower() in _FORMATS):
        return None
    return f"{name} must be one of 'channels_last', 'channels_first', got {v!r}"


DATA_FORMAT = c.Check(_data_format, "`channels_last` or `channels_first` (any case), or `null`")


def _standard_format(v: Any) -> str:
    return "channels_last" if v is None else str(v).lower()


def data_format_field() -> Field:
    """``data_format``: saved lower-cased; ``null`` reads as ``channels_last``."""
    return f(DATA_FORMAT, "channels_last", convert=_standard_format)


def channels_first(config: Mapping[str, Any]) -> bool | None:
    """Whether a raw config puts channels first; ``None`` for an invalid value."""
    v = config.get("data_format")
    if _data_format("data_format", v) is not None:
        return None
    return _standard_format(v) == "channels_first"


def spatial_axes(rank: int, first: bool) -> tuple[int, ...]:
    """The spatial axes of an input with ``rank`` spatial dimensions."""
    return tuple(range(2, rank + 2)) if first else tuple(range(1, rank + 1))


def to_tuple(value: Any, rank: int, lo: int) -> tuple[int, ...] | None:
    """``standardize_tuple``: an int or ``rank`` ints, each ``>= lo``; else ``None``."""
    if c.is_int(value):
        value = [value] * rank
    if not isinstance(value, (list, tuple)) or len(value) != rank:
        return None
    if not all(c.is_int(d) and d >= lo for d in value):
        return None
    return tuple(value)


def int_tuple_field(rank: int, default: Any = None, *, lo: int = 1, **kwargs: Any) -> Field:
    """An int or ``rank`` ints ``>= lo``, saved as the ``rank``-tuple."""
    return f(
        c.int_tuple(rank, lo),
        default,
        convert=lambda v: to_tuple(v, rank, lo),
        **kwargs,
    )


def pairs(value: Any, rank: int) -> tuple[tuple[int, int], ...] | None:
    """ZeroPadding2D/3D and Cropping2D/3D amounts: an int, ``rank`` ints (symmetric) or
    ``rank`` pairs, all ``>= 0``, as ``rank`` ``(before, after)`` pairs; else ``None``."""
    if c.is_int(value):
        return ((value, value),) * rank if value >= 0 else None
    if not isinstance(value, (list, tuple)) or len(value) != rank:
        return None
    out = []
    for entry in value:
        pair = to_tuple(entry, 2, 0)
        if pair is None:
            return None
        out.append((pair[0], pair[1]))
    return tuple(out)


def pairs_field(rank: int, default: Any) -> Field:
    """A :func:`pairs` key, saved as ``rank`` pairs."""

    def check(key: str, v: Any) -> str | None:
        if pairs(v, rank) is not None:
            return None
        return f"{key} must be an integer >= 0, {rank} of them, or {rank} pairs of them, got {v!r}"

    what = f"int≥0, array of {rank} int≥0, or array of {rank} pairs of int≥0"
    return f(c.Check(check, what), default, convert=lambda v: pairs(v, rank))


def with_spatial(shape: Shape, axes: tuple[int, ...], dims: tuple[int | None, ...]) -> Shape:
    """``shape`` with its spatial dimensions replaced."""
    out = list(shape)
    for axis, d in zip(axes, dims, strict=True):
        out[axis] = d
    return tuple(out)
