"""Reshaping layers (``keras/src/layers/reshaping/``): Flatten, Reshape, Permute.

None owns variables; the batch dimension is never touched (it stays dynamic
in the TensorFlow twins).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f

__all__ = ["DEFINITIONS", "FLATTEN", "PERMUTE", "RESHAPE"]


def _data_format(name: str, v: Any) -> str | None:
    # backend.standardize_data_format: None or either spelling in any case.
    if v is None or (isinstance(v, str) and v.lower() in ("channels_last", "channels_first")):
        return None
    return f"{name} must be 'channels_last' or 'channels_first', got {v!r}"


def _standard_data_format(v: Any) -> str:
    return "channels_last" if v is None else str(v).lower()


#: ``data_format`` as ``standardize_data_format`` accepts and normalizes it.
DATA_FORMAT = f(
    c.Check(_data_format, "`channels_last` or `channels_first` (any case) or `null`"),
    "channels_last",
    convert=_standard_data_format,
)


# -- Flatten ----------------------------------------------------------------------


def _flatten_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    rest = shape[1:]
    if not all(isinstance(d, int) for d in rest):
        return None
    return (shape[0], math.prod(d for d in rest if d is not None))


def flatten_call(layer: Any, inputs: Any) -> Any:
    """``(batch, ...) -> (batch, prod(...))``; channels first: channel axis moved last."""
    x = np.asarray(inputs)
    if layer.data_format == "channels_first" and x.ndim > 1:
        x = np.transpose(x, (0, *range(2, x.ndim), 1))
    return np.reshape(x, (x.shape[0], math.prod(x.shape[1:])))


def flatten_tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`flatten_call`."""
    tf = ctx.tf
    x = inputs
    rank = x.shape.rank
    if layer.data_format == "channels_first" and rank > 1:
        x = tf.transpose(x, (0, *range(2, rank), 1))
    rest = x.shape[1:]
    size: Any = math.prod(rest) if all(d is not None for d in rest) else -1
    return tf.reshape(x, [tf.shape(x)[0], size])


FLATTEN = LayerDef(
    class_name="Flatten",
    source="keras/src/layers/reshaping/flatten.py",
    fields={"data_format": DATA_FORMAT},
    call=flatten_call,
    tf_call=flatten_tf_call,
    output_shape=_flatten_shape,
    summary="flattens all but the batch dimension",
)


# -- Reshape ----------------------------------------------------------------------


def _target_shape(name: str, v: Any) -> str | None:
    if not isinstance(v, list) or not all(c.is_int(d) and d >= -1 for d in v):
        return f"{name} must be a list of integers >= 0 or -1, got {v!r}"
    if v.count(-1) > 1:
        return (
            "There must be at most one unknown dimension (-1) in `target_shape`. "
            f"Received: target_shape={v}."
        )
    return None


def _reshape_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    target = config.get("target_shape")
    if not isinstance(target, (list, tuple)) or _target_shape("target_shape", list(target)):
        return None
    if -1 not in target:
        return (shape[0], *target)
    rest = shape[1:]
    known = math.prod(d for d in target if d != -1)
    if known == 0 or not all(isinstance(d, int) for d in rest):
        return None
    total = math.prod(d for d in rest if d is not None)
    if total % known:
        return None
    return (shape[0], *(total // known if d == -1 else d for d in target))


def reshape_call(layer: Any, inputs: Any) -> Any:
    """``(batch, *target_shape)``."""
    x = np.asarray(inputs)
    return np.reshape(x, (x.shape[0], *layer.target_shape))


def reshape_tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`reshape_call`."""
    tf = ctx.tf
    return tf.reshape(inputs, [tf.shape(inputs)[0], *layer.target_shape])


RESHAPE = LayerDef(
    class_name="Reshape",
    source="keras/src/layers/reshaping/reshape.py",
    fields={
        "target_shape": f(
            c.Check(_target_shape, "array of (int≥0 or `-1`), at most one `-1`"), required=True
        )
    },
    call=reshape_call,
    tf_call=reshape_tf_call,
    output_shape=_reshape_shape,
    summary="reshapes all but the batch dimension",
)


# -- Permute ----------------------------------------------------------------------


def _dims(name: str, v: Any) -> str | None:
    if not isinstance(v, list) or not all(c.is_int(d) for d in v):
        return f"{name} must be a list of integers, got {v!r}"
    if sorted(v) != list(range(1, len(v) + 1)):
        return (
            "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
            f"`dims` must be consecutive and start from 1. Received dims={v}"
        )
    return None


def _permute_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    dims = config.get("dims")
    if not isinstance(dims, (list, tuple)) or sorted(dims) != list(range(1, len(shape))):
        return None
    return (shape[0], *(shape[d] for d in dims))


def permute_call(layer: Any, inputs: Any) -> Any:
    """``transpose(x, (0, *dims))``."""
    return np.transpose(inputs, (0, *layer.dims))


def permute_tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`permute_call`."""
    return ctx.tf.transpose(inputs, (0, *layer.dims))


PERMUTE = LayerDef(
    class_name="Permute",
    source="keras/src/layers/reshaping/permute.py",
    fields={
        "dims": f(c.Check(_dims, "array: a permutation of `1..n`"), required=True),
    },
    call=permute_call,
    tf_call=permute_tf_call,
    output_shape=_permute_shape,
    summary="permutes the non-batch dimensions",
)

DEFINITIONS = (FLATTEN, RESHAPE, PERMUTE)
