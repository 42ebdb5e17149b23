"""``Softmax`` (``keras/src/layers/activations/softmax.py``): softmax over ``axis``, masked.

Keras 3.10+: masked positions get a large negative number before the softmax
(``-1e9``, ``-3e4`` for float16) and 0 after it, so a fully masked row gives
zeros. Keras 2 and Keras 3.0-3.9 *add* ``(1 - mask) * large_negative`` and do
not zero; Keras 2 fills float16 with ``finfo(float16).min``. A layer loaded
from such a file says so through three attributes, read here with the current
Keras's values as defaults: ``additive_masking``, ``zero_masked`` and
``float16_min_fill``. Several axes: ``exp(x - logsumexp(x, axes))``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["DEFINITIONS", "SOFTMAX"]


def _masking(layer: Any) -> tuple[bool, bool, bool]:
    return (
        bool(getattr(layer, "additive_masking", False)),
        bool(getattr(layer, "zero_masked", True)),
        bool(getattr(layer, "float16_min_fill", False)),
    )


def _axes(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def call(layer: Any, inputs: Any, mask: Any = None) -> Any:
    """NumPy forward pass."""
    x = np.asarray(inputs)
    additive, zeroed, f16_min = _masking(layer)
    m = None
    if mask is not None:
        m = np.asarray(mask)
        neg = np.asarray(-3e4 if x.dtype == np.float16 else -1e9, x.dtype)
        if f16_min and x.dtype == np.float16:
            neg = np.asarray(np.finfo(np.float16).min, np.float16)
        if additive:
            x = x + (1.0 - m.astype(x.dtype)) * neg
        else:
            if m.dtype != np.bool_:
                m = m > np.asarray(0.5, m.dtype)
            x = np.where(m, x, neg)
    axis = _axes(layer.axis)
    if isinstance(axis, tuple) and len(axis) > 1:
        mx = np.max(x, axis=axis, keepdims=True)
        out = np.exp(x - (mx + np.log(np.sum(np.exp(x - mx), axis=axis, keepdims=True))))
    else:
        axis = axis[0] if isinstance(axis, tuple) else axis
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        out = e / np.sum(e, axis=axis, keepdims=True)
    if m is not None and zeroed:
        out = np.where(m, out, np.asarray(0, out.dtype))
    return out


def tf_call(ctx: Any, layer: Any, inputs: Any, mask: Any = None) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    x = inputs
    additive, zeroed, f16_min = _masking(layer)
    m = None
    if mask is not None:
        m = tf.convert_to_tensor(mask)
        neg = tf.constant(-3e4 if x.dtype == tf.float16 else -1e9, dtype=x.dtype)
        if f16_min and x.dtype == tf.float16:
            neg = tf.constant(np.finfo(np.float16).min, tf.float16)
        if additive:
            x = x + (tf.constant(1.0, x.dtype) - ctx.cast(m, x.dtype)) * neg
        else:
            if m.dtype != tf.bool:
                m = m > tf.constant(0.5, m.dtype)
            x = tf.where(m, x, neg)
    axis = _axes(layer.axis)
    if isinstance(axis, tuple) and len(axis) > 1:
        mx = tf.reduce_max(x, axis=list(axis), keepdims=True)
        lse = mx + tf.math.log(tf.reduce_sum(tf.exp(x - mx), axis=list(axis), keepdims=True))
        out = tf.exp(x - lse)
    else:
        out = ctx.act.softmax(x, axis=axis[0] if isinstance(axis, tuple) else axis)
    if m is not None and zeroed:
        out = tf.where(m, out, tf.zeros([], out.dtype))
    return out


SOFTMAX = LayerDef(
    class_name="Softmax",
    source="keras/src/layers/activations/softmax.py",
    fields={"axis": f(c.AXES, -1)},
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    summary="softmax over `axis` with an optional mask",
)

DEFINITIONS = (SOFTMAX,)
