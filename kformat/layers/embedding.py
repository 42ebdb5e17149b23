"""``Embedding`` (``keras/src/layers/core/embedding.py``): rows of a table by index.

Variable: ``embeddings (input_dim, output_dim)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._common import LORA
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, f

__all__ = ["DEFINITIONS", "EMBEDDING"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    return (VariableSpec("embeddings", (config["input_dim"], config["output_dim"])),)


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    out = config.get("output_dim")
    return (*shape, out) if c.positive(out) else None


def call(layer: Any, inputs: Any) -> Any:
    """Rows of ``embeddings`` (indices as int32 unless int32/int64), in the compute dtype."""
    idx = np.asarray(inputs)
    if idx.dtype not in (np.int32, np.int64):
        idx = idx.astype(np.int32)
    table = np.asarray(layer.weight("embeddings"))
    return np.take(table, idx, axis=0).astype(np.dtype(layer.compute_dtype), copy=False)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    idx = inputs if inputs.dtype in (tf.int32, tf.int64) else tf.cast(inputs, tf.int32)
    table = ctx.weight(layer, "embeddings")
    return ctx.cast(tf.gather(table, idx, axis=0), layer.compute_dtype)


def compute_mask(layer: Any, inputs: Any, previous_mask: Any) -> Any:
    """``inputs != 0`` when ``mask_zero``."""
    return np.not_equal(inputs, 0) if layer.mask_zero else None


def tf_compute_mask(ctx: Any, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    """TensorFlow twin of :func:`compute_mask`."""
    if not layer.mask_zero:
        return None
    return ctx.tf.not_equal(inputs, ctx.tf.zeros([], dtype=inputs.dtype))


EMBEDDING = LayerDef(
    class_name="Embedding",
    source="keras/src/layers/core/embedding.py",
    fields={
        "input_dim": f(c.POS_INT, required=True, note="vocabulary size"),
        "output_dim": f(c.POS_INT, required=True),
        "embeddings_initializer": f(c.INITIALIZER, "uniform", kind="initializer"),
        "embeddings_regularizer": f(c.REGULARIZER, kind="regularizer"),
        "embeddings_constraint": f(c.CONSTRAINT, kind="constraint"),
        "mask_zero": f(c.BOOL, False),
        "input_length": f(
            c.opt(c.either(c.POS_INT, c.SHAPE, what="an integer >= 1 or a shape")),
            tf_keras=True,
            note="Keras 3 accepts and ignores it with a warning",
        ),
        **LORA,
    },
    call=call,
    tf_call=tf_call,
    compute_mask=compute_mask,
    tf_compute_mask=tf_compute_mask,
    variables=_variables,
    output_shape=_output_shape,
    summary="lookup table",
    variables_doc="`embeddings (input_dim, output_dim)`",
)

DEFINITIONS = (EMBEDDING,)
