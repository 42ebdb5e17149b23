"""``PReLU`` (``keras/src/layers/activations/prelu.py``): ``max(x, 0) - alpha * max(-x, 0)``.

Variable: ``alpha`` over ``input_shape[1:]`` with each ``shared_axes`` dimension 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._common import weight_fields
from kformat.layers._def import InputShape, LayerDef, VariableSpec, f, single

__all__ = ["DEFINITIONS", "PRELU"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = list(single(input_shape)[1:])
    shared = config.get("shared_axes") or []
    for axis in [shared] if isinstance(shared, int) else shared:
        shape[axis - 1] = 1
    return (VariableSpec("alpha", tuple(shape)),)


def call(layer: Any, inputs: Any) -> Any:
    """``max(x, 0) + (-alpha) * max(-x, 0)``."""
    x = np.asarray(inputs)
    zero = np.asarray(0, x.dtype)
    return np.maximum(x, zero) + (-layer.weight("alpha")) * np.maximum(-x, zero)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf, x = ctx.tf, inputs
    zero = tf.zeros([], x.dtype)
    alpha = ctx.weight(layer, "alpha")
    neg = ctx.binary(tf.multiply, -alpha, tf.maximum(-x, zero))
    return ctx.binary(tf.add, tf.maximum(x, zero), neg)


def _shared_axes(value: Any) -> Any:
    # PReLU.__init__: a single axis becomes a list.
    return None if value is None else list(value) if isinstance(value, list) else [value]


PRELU = LayerDef(
    class_name="PReLU",
    source="keras/src/layers/activations/prelu.py",
    fields={
        **weight_fields("alpha", initializers={"alpha": "Zeros"}),
        "shared_axes": f(c.opt(c.AXES), note="same keys in tf_keras", convert=_shared_axes),
    },
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    variables=_variables,
    summary="parametric ReLU",
    variables_doc="`alpha`: `input_shape[1:]` with each `shared_axes` dimension set to `1`",
)

DEFINITIONS = (PRELU,)
