"""Reshaping layers in TensorFlow: Flatten, Reshape, Permute. The batch
dimension stays dynamic.
"""

from __future__ import annotations

import math
from typing import Any

import tensorflow as tf

from reference_runtime.export._context import TFLayer, TraceContext

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


#: class_name -> translation, for this module's layers.
SHAPE_LAYERS: dict[str, TFLayer] = {
    "Flatten": TFLayer(_flatten),
    "Reshape": TFLayer(_reshape),
    "Permute": TFLayer(_permute),
}
