"""``GroupNormalization`` (``keras/src/layers/normalization/group_normalization.py``).

The channels of ``axis`` are split into ``groups``; each group is normalized
by its mean and variance over every non-batch axis, then scaled by ``gamma``
and shifted by ``beta`` per channel. ``groups=-1`` means one group per channel
(Keras writes the channel count back after ``build``). The layer does not
autocast: it computes in ``result_type(inputs, float32)`` and returns the
compute dtype. Variables: ``gamma (c,)`` if ``scale``, ``beta (c,)`` if
``center``, ``c = input_shape[axis]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._common import weight_fields
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, dim, f, single

__all__ = ["DEFINITIONS", "GROUP_NORMALIZATION"]


def _groups_check(name: str, value: Any) -> str | None:
    if c.is_int(value) and (value >= 1 or value == -1):
        return None
    return f"{name} must be a positive integer (or -1 for instance normalization), got {value!r}"


GROUPS = c.Check(_groups_check, "int≥1 or -1")


def _channels(config: Mapping[str, Any], shape: Shape) -> int:
    channels = dim(shape, config.get("axis", -1))
    if channels is None:
        raise ValueError(f"axis {config.get('axis', -1)} of input shape {list(shape)} is unknown")
    groups = config.get("groups", 32)
    groups = channels if groups == -1 else groups
    if channels < groups:
        raise ValueError(
            f"Number of groups ({groups}) cannot be more than the number of channels ({channels})."
        )
    if channels % groups:
        raise ValueError(
            f"Number of groups ({groups}) must be a multiple of the number of channels "
            f"({channels})."
        )
    return channels


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    channels = _channels(config, single(input_shape))
    out = []
    if config.get("scale", True):
        out.append(VariableSpec("gamma", (channels,)))
    if config.get("center", True):
        out.append(VariableSpec("beta", (channels,)))
    return tuple(out)


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    axis = config.get("axis", -1)
    return shape if c.is_int(axis) and -len(shape) <= axis < len(shape) else None


def _grouped(shape: tuple[int, ...], axis: int, groups: int) -> list[int]:
    # ``_reshape_into_groups`` / ``_create_broadcast_shape``: the channel axis
    # becomes (groups, channels // groups), inserted with Python list semantics.
    out = list(shape)
    out[axis] = shape[axis] // groups
    out.insert(axis, groups)
    return out


def _broadcast(rank: int, axis: int, channels: int, groups: int) -> list[int]:
    # ``_create_broadcast_shape``: gamma/beta in the grouped layout.
    return _grouped(tuple(channels if i == axis % rank else 1 for i in range(rank)), axis, groups)


def _reduction_axes(rank: int, axis: int) -> tuple[int, ...]:
    # ``_apply_normalization``: every axis of the grouped tensor but the batch
    # and the group axis.
    axes = list(range(1, rank + 1))
    axes.pop(-2 if axis == -1 else axis - 1)
    return tuple(axes)


def call(layer: Any, inputs: Any) -> Any:
    """Keras' NumPy-backend arithmetic, in its order (``x * inv + (beta - mean * inv)``)."""
    x = np.asarray(inputs)
    axis = layer.axis
    channels = x.shape[axis]
    groups = channels if layer.groups == -1 else layer.groups
    grouped = x.reshape(_grouped(x.shape, axis, groups))
    compute = np.result_type(x.dtype, np.float32)
    grouped = grouped.astype(compute, copy=False)
    axes = _reduction_axes(x.ndim, axis)
    mean = np.mean(grouped, axes, keepdims=True)
    variance = np.mean(np.square(grouped), axis=axes, keepdims=True) - np.square(mean)
    inv = (1.0 / np.sqrt(variance + layer.epsilon)).astype(variance.dtype)
    broadcast = _broadcast(x.ndim, axis, channels, groups)
    if layer.scale:
        inv = inv * layer.weight("gamma").reshape(broadcast).astype(compute)
    res = -mean * inv
    if layer.center:
        res = res + layer.weight("beta").reshape(broadcast).astype(compute)
    out = (grouped * inv + res).astype(x.dtype)
    return out.reshape(x.shape).astype(layer.compute_dtype)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    axis = layer.axis
    shape = tuple(inputs.shape)
    rank = len(shape)
    channels = shape[axis]
    groups = channels if layer.groups == -1 else layer.groups
    grouped_shape = _grouped(shape, axis, groups)
    grouped_shape[0] = -1
    compute = tf.float64 if inputs.dtype == tf.float64 else tf.float32
    grouped = ctx.cast(tf.reshape(inputs, grouped_shape), compute)
    axes = list(_reduction_axes(rank, axis))
    mean = tf.reduce_mean(grouped, axes, keepdims=True)
    variance = tf.reduce_mean(tf.square(grouped), axes, keepdims=True) - tf.square(mean)
    inv = tf.math.rsqrt(variance + tf.constant(layer.epsilon, compute))
    broadcast = _broadcast(rank, axis, channels, groups)
    if layer.scale:
        inv = inv * ctx.cast(tf.reshape(ctx.weight(layer, "gamma"), broadcast), compute)
    res = -mean * inv
    if layer.center:
        res = res + ctx.cast(tf.reshape(ctx.weight(layer, "beta"), broadcast), compute)
    out = ctx.cast(grouped * inv + res, inputs.dtype)
    return ctx.cast(tf.reshape(out, tf.shape(inputs)), layer.compute_dtype)


GROUP_NORMALIZATION = LayerDef(
    class_name="GroupNormalization",
    source="keras/src/layers/normalization/group_normalization.py",
    fields={
        "groups": f(GROUPS, 32, note="MUST divide `input_shape[axis]`; -1: one per channel"),
        "axis": f(c.INT, -1, note="MUST address an axis of the input"),
        "epsilon": f(c.num(0.0), 0.001),
        "center": f(c.BOOL, True),
        "scale": f(c.BOOL, True),
        **weight_fields("beta", "gamma", initializers={"beta": "zeros", "gamma": "ones"}),
    },
    call=call,
    tf_call=tf_call,
    variables=_variables,
    output_shape=_output_shape,
    supports_masking=True,
    autocast=False,
    summary="normalization over groups of channels",
    variables_doc="`gamma` (if `scale`), `beta` (if `center`); each `(input_shape[axis],)`",
)

DEFINITIONS = (GROUP_NORMALIZATION,)
