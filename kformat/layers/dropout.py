"""``Dropout`` (``keras/src/layers/regularization/dropout.py``): identity at inference."""

from __future__ import annotations

from typing import Any

from kformat.errors import UnsupportedFeatureError
from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["DEFINITIONS", "DROPOUT"]


def call(layer: Any, inputs: Any, training: Any = False) -> Any:
    """The input object itself at inference (so its mask stays with it)."""
    if training is True and layer.rate > 0:
        raise UnsupportedFeatureError(
            f"layer {layer.name!r}: only inference is supported (training=False)"
        )
    return inputs


def tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = False) -> Any:
    """TensorFlow twin of :func:`call`."""
    return call(layer, inputs, training)


DROPOUT = LayerDef(
    class_name="Dropout",
    source="keras/src/layers/regularization/dropout.py",
    fields={
        "rate": f(c.RATE, required=True),
        "seed": f(c.opt(c.INT)),
        "noise_shape": f(c.opt(c.SHAPE)),
    },
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    summary="random zeroing while training; identity at inference",
)

DEFINITIONS = (DROPOUT,)
