"""``UnitNormalization`` (``keras/src/layers/normalization/unit_normalization.py``):
each vector along ``axis`` scaled to unit L2 norm.

``ops.normalize(x, axis, order=2, epsilon=1e-12)`` (``keras/src/ops/nn.py``
``_normalize``): ``x * minimum(rsqrt(sum(x**2)), 1 / epsilon)``. No variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f

__all__ = ["DEFINITIONS", "UNIT_NORMALIZATION"]

_EPSILON = 1e-12


def _axes(axis: Any) -> tuple[int, ...]:
    return tuple(axis) if isinstance(axis, list) else (axis,)


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    axis = config.get("axis", -1)
    if c.AXES("axis", axis) is not None:
        return None
    if any(not -len(shape) <= a < len(shape) for a in _axes(axis)):
        return None
    return shape


def call(layer: Any, inputs: Any) -> Any:
    """``x * minimum(1 / sqrt(sum(x**2, axis)), 1e12)``."""
    x = np.asarray(inputs)
    if x.ndim == 0:
        x = x[np.newaxis]
    axes = _axes(layer.axis)
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"Axis {layer.axis} is out of bounds for input shape {x.shape}.")
    square_sum = np.sum(np.square(x), axis=axes, keepdims=True)
    with np.errstate(divide="ignore"):  # a zero vector: inf, then clipped to 1e12
        inv_norm = (1.0 / np.sqrt(square_sum)).astype(square_sum.dtype)
    inv_norm = np.minimum(inv_norm, 1.0 / _EPSILON)
    return x * inv_norm


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    square_sum = tf.reduce_sum(tf.square(inputs), axis=list(_axes(layer.axis)), keepdims=True)
    inv_norm = tf.minimum(tf.math.rsqrt(square_sum), tf.constant(1.0 / _EPSILON, inputs.dtype))
    return inputs * inv_norm


UNIT_NORMALIZATION = LayerDef(
    class_name="UnitNormalization",
    source="keras/src/layers/normalization/unit_normalization.py",
    fields={
        "axis": f(
            c.AXES,
            -1,
            note="integer or list of integers; each MUST address an axis of the input",
        )
    },
    call=call,
    tf_call=tf_call,
    output_shape=_output_shape,
    supports_masking=True,
    summary="scales vectors along `axis` to unit L2 norm",
)

DEFINITIONS = (UNIT_NORMALIZATION,)
