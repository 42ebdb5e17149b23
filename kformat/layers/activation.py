"""``Activation`` (``keras/src/layers/activations/activation.py``): an activation function."""

from __future__ import annotations

from typing import Any

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["ACTIVATION", "DEFINITIONS"]


def call(layer: Any, inputs: Any) -> Any:
    """``activation(inputs)`` (the input is not the layer's: no in-place variant)."""
    return layer.activation(inputs)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    return ctx.activate(layer, inputs)


ACTIVATION = LayerDef(
    class_name="Activation",
    source="keras/src/layers/activations/activation.py",
    fields={"activation": f(c.ACTIVATION, required=True, kind="activation")},
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    summary="applies an activation function",
)

DEFINITIONS = (ACTIVATION,)
