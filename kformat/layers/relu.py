"""``ReLU`` and ``LeakyReLU`` (``keras/src/layers/activations/relu.py``, ``leaky_relu.py``).

``ReLU`` is ``activations.relu`` with its options (``keras/src/activations/
activations.py``): values below ``threshold`` become ``negative_slope * (x -
threshold)``, the rest is capped at ``max_value``. ``LeakyReLU`` is
``max(x, negative_slope * x)``. No variables; masks pass through.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["DEFINITIONS", "LEAKY_RELU", "RELU"]


def _c(value: float, x: Any) -> Any:
    return np.asarray(value, x.dtype)


def relu_call(layer: Any, inputs: Any) -> Any:
    """The general ReLU, computed as the runtime's ``activations.relu``."""
    x = np.asarray(inputs)
    slope, cap, threshold = layer.negative_slope, layer.max_value, layer.threshold
    if slope != 0.0 and cap is None and threshold == 0:
        return np.maximum(x, _c(slope, x) * x)
    y = np.where(x > _c(threshold, x), x, _c(0.0, x)) if threshold != 0 else np.maximum(x, _c(0, x))
    if cap is not None:
        y = np.minimum(y, _c(cap, x))
    if slope != 0.0:
        y = y - _c(slope, x) * np.maximum(-x + _c(threshold, x), _c(0.0, x))
    return y.astype(x.dtype, copy=False)


def relu_tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`relu_call`."""
    return ctx.act.relu(
        inputs,
        negative_slope=layer.negative_slope,
        max_value=layer.max_value,
        threshold=layer.threshold,
    )


def _relu_cap(name: str, v: Any) -> str | None:
    if v is None or (c.is_num(v) and v >= 0):
        return None
    return f"max_value of a ReLU layer cannot be a negative value. Received: {v!r}"


def _relu_slope(name: str, v: Any) -> str | None:
    if c.is_num(v) and v >= 0:
        return None
    return f"negative_slope of a ReLU layer cannot be a negative value. Received: {v!r}"


RELU = LayerDef(
    class_name="ReLU",
    source="keras/src/layers/activations/relu.py",
    fields={
        "max_value": f(c.Check(_relu_cap, "number ≥ 0 or `null`")),
        "negative_slope": f(c.Check(_relu_slope, "number ≥ 0"), 0.0),
        "threshold": f(c.num(), 0.0),
    },
    call=relu_call,
    tf_call=relu_tf_call,
    supports_masking=True,
    summary="rectified linear unit with optional cap, slope and threshold",
)


def leaky_relu_call(layer: Any, inputs: Any) -> Any:
    """``max(x, negative_slope * x)``."""
    x = np.asarray(inputs)
    return np.maximum(x, _c(layer.negative_slope, x) * x)


def leaky_relu_tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`leaky_relu_call`."""
    return ctx.act.leaky_relu(inputs, negative_slope=layer.negative_slope)


def _leaky_slope(name: str, v: Any) -> str | None:
    if c.is_num(v) and v >= 0:
        return None
    return (
        "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. "
        f"Expected a float. Received: negative_slope={v!r}"
    )


LEAKY_RELU = LayerDef(
    class_name="LeakyReLU",
    source="keras/src/layers/activations/leaky_relu.py",
    fields={
        "negative_slope": f(c.Check(_leaky_slope, "number ≥ 0"), 0.3),
        "alpha": f(
            c.Check(_leaky_slope, "number ≥ 0"),
            tf_keras=True,
            note="Keras 3 reads it as `negative_slope` (with a warning)",
        ),
    },
    call=leaky_relu_call,
    tf_call=leaky_relu_tf_call,
    supports_masking=True,
    summary="leaky rectifier",
)

DEFINITIONS = (RELU, LEAKY_RELU)
