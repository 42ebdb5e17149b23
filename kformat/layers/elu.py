"""``ELU`` (``keras/src/layers/activations/elu.py``): ``x`` if ``x >= 0`` else
``alpha * expm1(x)``, as the NumPy backend's ``nn.elu`` computes it."""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["DEFINITIONS", "ELU"]


def call(layer: Any, inputs: Any) -> Any:
    """``where(x >= 0, x, alpha * expm1(x))`` with ``alpha`` in the input dtype."""
    x = np.asarray(inputs)
    return np.where(x >= np.array(0.0, x.dtype), x, np.array(layer.alpha, x.dtype) * np.expm1(x))


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    alpha = tf.constant(layer.alpha, inputs.dtype)
    return tf.where(inputs >= tf.zeros([], inputs.dtype), inputs, alpha * tf.math.expm1(inputs))


def _config(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    # ELU has no get_config: Keras' automatic one lists the constructor
    # arguments (name, alpha), then trainable and dtype.
    return {"name": config["name"], "alpha": config["alpha"], **config}


ELU = LayerDef(
    class_name="ELU",
    source="keras/src/layers/activations/elu.py",
    fields={"alpha": f(c.num(), 1.0, note="any finite number; Keras does not check it")},
    call=call,
    tf_call=tf_call,
    get_config=_config,
    supports_masking=True,
    summary="exponential linear unit",
)

DEFINITIONS = (ELU,)
