"""``Identity`` (``keras/src/layers/core/identity.py``): returns its input (masks pass)."""

from __future__ import annotations

from typing import Any

from kformat.layers._def import LayerDef

__all__ = ["DEFINITIONS", "IDENTITY"]


def call(layer: Any, inputs: Any) -> Any:
    """The input object itself, so a mask travelling with it stays."""
    return inputs


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    return inputs


IDENTITY = LayerDef(
    class_name="Identity",
    source="keras/src/layers/core/identity.py",
    fields={},
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    summary="returns its input unchanged",
)

DEFINITIONS = (IDENTITY,)
