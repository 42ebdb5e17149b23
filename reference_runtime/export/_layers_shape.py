"""Reshaping and pooling layers in TensorFlow: Flatten, Reshape, Permute,
GlobalAveragePooling1D (masked mean included). The batch dimension stays dynamic.
"""

from __future__ import annotations

import math
from typing import Any

import tensorflow as tf

from reference_runtime.export._context import TFLayer, TraceContext
from reference_runtime.export._helpers import cast

__all__ = ["SHAPE_LAYERS"]


def _flatten(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    x = inputs
    rank = x.shape.rank
    if layer.data_format == "channels_first" and rank > 1:
        x = tf.transpose(x, (0, *range(2, rank), 1))
    rest = x.shape[1:]
    size: Any = math.prod(rest) if all(d is not None for d in rest) else -1
    return tf.reshape(x, [tf.shape(x)[0], size])


def _reshape(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    return tf.reshape(inputs, [tf.shape(inputs)[0], *layer.target_shape])


def _permute(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    return tf.transpose(inputs, (0, *layer.dims))


def _global_average_pooling_1d(ctx: TraceContext, layer: Any, inputs: Any, mask: Any = None) -> Any:
    x = inputs
    steps = 1 if layer.data_format == "channels_last" else 2
    if mask is None:
        return cast(tf.reduce_mean(x, axis=steps, keepdims=layer.keepdims), x.dtype)
    m = tf.expand_dims(cast(mask, tf.bool), 2 if layer.data_format == "channels_last" else 1)
    total = tf.reduce_sum(
        tf.where(m, x, tf.zeros([], x.dtype)), axis=steps, keepdims=layer.keepdims
    )
    count = tf.reduce_sum(cast(m, x.dtype), axis=steps, keepdims=layer.keepdims)
    return total / count


def _no_mask(ctx: TraceContext, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    return None


#: class_name -> translation, for this module's layers.
SHAPE_LAYERS: dict[str, TFLayer] = {
    "Flatten": TFLayer(_flatten),
    "Reshape": TFLayer(_reshape),
    "Permute": TFLayer(_permute),
    "GlobalAveragePooling1D": TFLayer(_global_average_pooling_1d, _no_mask),
}
