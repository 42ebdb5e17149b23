"""``Activation`` (``keras/src/layers/activations/activation.py``): an activation function."""

from __future__ import annotations

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["ACTIVATION", "DEFINITIONS"]

ACTIVATION = LayerDef(
    class_name="Activation",
    source="keras/src/layers/activations/activation.py",
    fields={"activation": f(c.ACTIVATION, required=True, kind="activation")},
    call=None,
    tf_call=None,
    summary="applies an activation function",
)

DEFINITIONS = (ACTIVATION,)
