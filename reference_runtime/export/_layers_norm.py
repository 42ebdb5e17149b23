"""Normalization layers in TensorFlow: BatchNormalization (inference), LayerNormalization
(incl. ``rms_scaling``), RMSNormalization.

All three compute in at least float32 and cast back, as the runtime does
(``reference_runtime/layers/batch_normalization.py``, ``layer_normalization.py``,
``rms_normalization.py``).
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from reference_runtime.export._context import TFLayer, TraceContext
from reference_runtime.export._helpers import cast, result_dtype

__all__ = ["NORM_LAYERS"]


def _at_least_float32(x: Any) -> Any:
    return cast(x, result_dtype(x, tf.constant(0, tf.float32)))


def _param_shape(x: Any, axes: list[int]) -> list[Any]:
    rank = x.shape.rank
    dynamic = tf.shape(x)
    shape: list[Any] = [1] * rank
    for a in axes:
        shape[a] = x.shape[a] if x.shape[a] is not None else dynamic[a]
    return shape


def _batch_norm(
    ctx: TraceContext, layer: Any, inputs: Any, training: Any = None, mask: Any = None
) -> Any:
    x = _at_least_float32(inputs)
    dtype = x.dtype
    axis = layer.axis % x.shape.rank
    shape = _param_shape(x, [axis])

    def param(var: Any) -> Any:
        return tf.reshape(cast(ctx.stored(var), dtype), shape)

    inv = tf.constant(1.0, dtype) / tf.sqrt(
        param(layer.moving_variance) + tf.constant(layer.epsilon, dtype)
    )
    if layer.gamma is not None:
        inv = inv * param(layer.gamma)
    res = -param(layer.moving_mean) * inv
    if layer.beta is not None:
        res = res + param(layer.beta)
    return cast(x * inv + res, layer.compute_dtype)


def _layer_norm(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    original = inputs.dtype
    x = _at_least_float32(inputs)
    rank = x.shape.rank
    axes = sorted(a % rank for a in (layer.axis if isinstance(layer.axis, list) else [layer.axis]))
    shape = _param_shape(x, axes)

    def bcast(var: Any) -> Any:
        if var is None:
            return None
        v = cast(ctx.stored(var), x.dtype)
        return v if axes == [rank - 1] and len(var.shape) == 1 else tf.reshape(v, shape)

    gamma, beta = bcast(layer.gamma), bcast(layer.beta)
    eps = tf.constant(layer.epsilon, x.dtype)
    one = tf.constant(1.0, x.dtype)
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    if layer.rms_scaling:
        # np.var: mean of squared deviations.
        var = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)
        inv = one / tf.sqrt(var + eps)
        out = x * inv if gamma is None else x * inv * gamma
    else:
        variance = tf.reduce_mean(tf.square(x), axis=axes, keepdims=True) - tf.square(mean)
        inv = one / tf.sqrt(variance + eps)
        if gamma is not None:
            inv = inv * gamma
        res = -mean * inv
        if beta is not None:
            res = res + beta
        out = x * inv + res
    return cast(cast(out, original), layer.compute_dtype)


def _rms_norm(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    original = inputs.dtype
    x = _at_least_float32(inputs)
    rank = x.shape.rank
    axes = sorted(a % rank for a in (layer.axis if isinstance(layer.axis, list) else [layer.axis]))
    ms = tf.reduce_mean(tf.square(x), axis=axes, keepdims=True)
    out = x * (tf.constant(1.0, x.dtype) / tf.sqrt(ms + tf.constant(layer.epsilon, x.dtype)))
    # The runtime multiplies by ``scale`` as is (trailing-axis broadcasting).
    return cast(out * cast(ctx.read(layer.scale, layer), x.dtype), original)


#: class_name -> translation, for this module's layers.
NORM_LAYERS: dict[str, TFLayer] = {
    "BatchNormalization": TFLayer(_batch_norm),
    "LayerNormalization": TFLayer(_layer_norm),
    "RMSNormalization": TFLayer(_rms_norm),
}
