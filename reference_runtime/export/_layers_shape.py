"""GlobalAveragePooling1D in TensorFlow (masked mean included)."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from reference_runtime.export._context import TFLayer, TraceContext
from reference_runtime.export._helpers import cast

__all__ = ["SHAPE_LAYERS"]


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
    "GlobalAveragePooling1D": TFLayer(_global_average_pooling_1d, _no_mask),
}
