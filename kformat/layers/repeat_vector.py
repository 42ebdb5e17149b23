"""``RepeatVector`` (``keras/src/layers/reshaping/repeat_vector.py``): ``(b, d) -> (b, n, d)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f

__all__ = ["DEFINITIONS", "REPEAT_VECTOR"]


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    n = config.get("n")
    return (shape[0], n, shape[1]) if len(shape) == 2 and c.positive(n) else None


def call(layer: Any, inputs: Any) -> Any:
    """``repeat(expand_dims(x, 1), n, axis=1)``; Keras refuses inputs of rank != 2."""
    x = np.asarray(inputs)
    if x.ndim != 2:
        raise ValueError(f"RepeatVector needs inputs of rank 2, got shape {x.shape}")
    return np.repeat(x[:, np.newaxis, :], layer.n, axis=1)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    return tf.repeat(tf.expand_dims(inputs, 1), layer.n, axis=1)


REPEAT_VECTOR = LayerDef(
    class_name="RepeatVector",
    source="keras/src/layers/reshaping/repeat_vector.py",
    fields={"n": f(c.POS_INT, required=True)},
    call=call,
    tf_call=tf_call,
    output_shape=_output_shape,
    summary="repeats a 2-D input `n` times along a new axis 1",
)

DEFINITIONS = (REPEAT_VECTOR,)
