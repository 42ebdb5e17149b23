"""``Dropout`` (``keras/src/layers/regularization/dropout.py``): identity at inference."""

from __future__ import annotations

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["DEFINITIONS", "DROPOUT"]

DROPOUT = LayerDef(
    class_name="Dropout",
    source="keras/src/layers/regularization/dropout.py",
    fields={
        "rate": f(c.RATE, required=True),
        "noise_shape": f(c.opt(c.SHAPE)),
        "seed": f(c.opt(c.INT)),
    },
    call=None,
    tf_call=None,
    summary="random zeroing while training; identity at inference",
)

DEFINITIONS = (DROPOUT,)
