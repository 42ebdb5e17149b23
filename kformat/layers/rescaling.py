"""``Rescaling`` (``keras/src/layers/preprocessing/rescaling.py``): ``x * scale + offset``.

The inputs (integer images included) are cast to the compute dtype, and so are
``scale`` and ``offset``, before the multiply-add. ``scale`` and ``offset`` are
numbers, lists (broadcast against the last axis), or arrays that ``get_config``
wrote as ``{"class_name": "__tensor__" | "__numpy__", "config": {"value",
"dtype"}}`` (``serialization_lib.serialize_keras_object`` of a NumPy array or
scalar); the runtime keeps whichever form the file has, so a re-save writes it
back unchanged. Keras reshapes a non-scalar scale for channels-first only
under a global ``image_data_format`` setting that no file records; the default
(channels-last) broadcasting is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat._numpy_values import array_problem
from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f
from kformat.layers._image import np_dtype

__all__ = ["DEFINITIONS", "RESCALING", "value_of"]

_ARRAY_CLASSES = ("__tensor__", "__numpy__")


def _nested_numbers(v: Any) -> bool:
    if isinstance(v, list):
        return all(_nested_numbers(x) for x in v)
    return c.is_num(v)


def _factor(name: str, v: Any) -> str | None:
    if _nested_numbers(v):
        return None
    if isinstance(v, Mapping) and v.get("class_name") in _ARRAY_CLASSES:
        why = array_problem(v.get("config"))
        return None if why is None else f"{name}: {why}"
    return f"{name} must be a number, a list of numbers or a serialized array, got {v!r}"


FACTOR = c.Check(_factor, "number, (nested) array of numbers, or `__tensor__`/`__numpy__` object")


def value_of(v: Any) -> Any:
    """The NumPy value of a ``scale``/``offset`` config value."""
    if isinstance(v, Mapping):
        config = v["config"]
        return np.asarray(config["value"], dtype=np_dtype(config["dtype"]))
    return np.asarray(v)


def call(layer: Any, inputs: Any) -> Any:
    """``cast(x) * cast(scale) + cast(offset)`` in the compute dtype."""
    dtype = np_dtype(layer.compute_dtype)
    scale = value_of(layer.scale).astype(dtype)
    offset = value_of(layer.offset).astype(dtype)
    return np.asarray(inputs).astype(dtype, copy=False) * scale + offset


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    dtype = np_dtype(layer.compute_dtype)
    scale = tf.constant(value_of(layer.scale).astype(dtype))
    offset = tf.constant(value_of(layer.offset).astype(dtype))
    return ctx.cast(inputs, layer.compute_dtype) * scale + offset


RESCALING = LayerDef(
    class_name="Rescaling",
    source="keras/src/layers/preprocessing/rescaling.py",
    fields={
        "scale": f(FACTOR, required=True),
        "offset": f(FACTOR, 0.0),
    },
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    summary="`x * scale + offset` in the compute dtype (integer inputs cast)",
)

DEFINITIONS = (RESCALING,)
