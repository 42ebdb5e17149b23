"""``Masking`` (``keras/src/layers/core/masking.py``): marks the timesteps whose
features all equal ``mask_value`` as masked, and zeroes them.

The output mask is ``any(inputs != mask_value, axis=-1)``; layers downstream
that take a ``mask`` (pooling, attention) receive it. ``mask_value`` is a
number, or the ``__tensor__``/``__numpy__`` object Keras writes when it was
given as an array scalar (``serialization_lib.serialize_keras_object``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["DEFINITIONS", "MASKING", "mask_scalar"]

_ARRAY_CLASSES = ("__tensor__", "__numpy__")


def mask_scalar(value: Any) -> Any:
    """The number a ``mask_value`` stands for."""
    if isinstance(value, dict):
        return value["config"]["value"]
    return value


def _check(name: str, value: Any) -> str | None:
    if c.is_num(value):
        return None
    if (
        isinstance(value, dict)
        and value.get("class_name") in _ARRAY_CLASSES
        and isinstance(value.get("config"), dict)
        and c.is_num(value["config"].get("value"))
    ):
        return None
    return f"{name} must be a number (or a serialized scalar tensor), got {value!r}"


MASK_VALUE = c.Check(_check, "number, or `__tensor__`/`__numpy__` scalar object")


def _keep(layer: Any, x: Any) -> Any:
    return np.any(np.not_equal(x, mask_scalar(layer.mask_value)), axis=-1, keepdims=True)


def call(layer: Any, inputs: Any) -> Any:
    """``where(keep, inputs, 0)``, ``keep`` over the last axis."""
    x = np.asarray(inputs)
    return np.where(_keep(layer, x), x, np.zeros((), x.dtype))


def compute_mask(layer: Any, inputs: Any, previous_mask: Any) -> Any:
    """``any(inputs != mask_value, axis=-1)``; the previous mask is replaced."""
    return _keep(layer, np.asarray(inputs))[..., 0]


def _tf_keep(ctx: Any, layer: Any, inputs: Any) -> Any:
    tf = ctx.tf
    value = tf.constant(mask_scalar(layer.mask_value), inputs.dtype)
    return tf.reduce_any(tf.not_equal(inputs, value), axis=-1, keepdims=True)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    return tf.where(_tf_keep(ctx, layer, inputs), inputs, tf.zeros([], inputs.dtype))


def tf_compute_mask(ctx: Any, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    """TensorFlow twin of :func:`compute_mask`."""
    return ctx.tf.squeeze(_tf_keep(ctx, layer, inputs), axis=-1)


MASKING = LayerDef(
    class_name="Masking",
    source="keras/src/layers/core/masking.py",
    fields={"mask_value": f(MASK_VALUE, 0.0)},
    call=call,
    tf_call=tf_call,
    compute_mask=compute_mask,
    tf_compute_mask=tf_compute_mask,
    summary="masks the timesteps whose features all equal `mask_value` (and zeroes them)",
)

DEFINITIONS = (MASKING,)
