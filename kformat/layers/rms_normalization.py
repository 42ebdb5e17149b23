"""``RMSNormalization`` (``keras/src/layers/normalization/rms_normalization.py``, Keras 3.9+).

Variable: ``scale``, ``tuple(input_shape[a] for a in axis)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import InputShape, LayerDef, VariableSpec, dim, f, single

__all__ = ["DEFINITIONS", "RMS_NORMALIZATION"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = single(input_shape)
    axis = config.get("axis", -1)
    axes = sorted(axis) if isinstance(axis, Sequence) else [axis]
    return (VariableSpec("scale", tuple(dim(shape, a) for a in axes)),)


def _axes(layer: Any, rank: int) -> list[int]:
    axis = layer.axis
    return sorted(a % rank for a in (axis if isinstance(axis, (list, tuple)) else [axis]))


def call(layer: Any, inputs: Any) -> Any:
    """``x * rsqrt(mean(x^2, axis) + epsilon) * scale`` in at least float32, cast back."""
    x = np.asarray(inputs)
    original = x.dtype
    x = x.astype(np.promote_types(x.dtype, np.float32))
    ms = np.mean(np.square(x), axis=tuple(_axes(layer, x.ndim)), keepdims=True)
    out = x * (1.0 / np.sqrt(ms + np.asarray(layer.epsilon, x.dtype)))
    # Keras multiplies by ``scale`` as is (trailing-axis broadcasting).
    return (out * np.asarray(layer.weight("scale")).astype(x.dtype)).astype(original)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    original = inputs.dtype
    x = ctx.cast(inputs, ctx.result_dtype(inputs, tf.constant(0, tf.float32)))
    ms = tf.reduce_mean(tf.square(x), axis=_axes(layer, x.shape.rank), keepdims=True)
    out = x * (tf.constant(1.0, x.dtype) / tf.sqrt(ms + tf.constant(layer.epsilon, x.dtype)))
    return ctx.cast(out * ctx.cast(ctx.weight(layer, "scale"), x.dtype), original)


RMS_NORMALIZATION = LayerDef(
    class_name="RMSNormalization",
    source="keras/src/layers/normalization/rms_normalization.py",
    fields={"axis": f(c.AXES, -1), "epsilon": f(c.num(0.0, open_lo=True), 1e-06)},
    call=call,
    tf_call=tf_call,
    variables=_variables,
    summary="root-mean-square normalization (Keras 3.9+)",
    variables_doc="`scale`: `tuple(input_shape[a] for a in axis)`",
)

DEFINITIONS = (RMS_NORMALIZATION,)
