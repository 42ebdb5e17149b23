"""``InputLayer`` (``keras/src/layers/core/input_layer.py``): a model's input placeholder."""

from __future__ import annotations

from typing import Any

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["DEFINITIONS", "INPUT_LAYER"]


def call(layer: Any, *args: Any, **kwargs: Any) -> Any:
    """The value fed to the model (nothing is computed)."""
    return args[0] if args else None


def tf_call(ctx: Any, layer: Any, *args: Any, **kwargs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    return args[0] if args else None


INPUT_LAYER = LayerDef(
    class_name="InputLayer",
    source="keras/src/layers/core/input_layer.py",
    fields={
        "batch_shape": f(
            c.opt(c.SHAPE),
            note="rank ≥ 1; Keras 3; required unless `batch_input_shape` or `input_shape` is "
            "present",
        ),
        "batch_input_shape": f(
            c.opt(c.SHAPE), note="tf_keras (accepted by Keras 3 as a legacy alias)"
        ),
        "input_shape": f(c.opt(c.SHAPE), note="shape without batch; legacy alias"),
        "dtype": f(c.opt(c.STR), note="always a string"),
        "sparse": f(c.opt(c.BOOL), False),
        "ragged": f(c.opt(c.BOOL), False, note="Keras 3.9+, tf_keras"),
        "optional": f(c.opt(c.BOOL), False, note="Keras 3.13+, tf_keras (2.21 writes it)"),
    },
    call=call,
    tf_call=tf_call,
    one_of=("batch_shape", "batch_input_shape", "input_shape"),
    summary="a model input; no weights",
)

DEFINITIONS = (INPUT_LAYER,)
