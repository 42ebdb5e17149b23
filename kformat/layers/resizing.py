"""``Resizing`` (``keras/src/layers/preprocessing/image_preprocessing/resizing.py``).

Resizes images to ``(height, width)`` with Keras' NumPy-backend algorithm
(:mod:`kformat.layers._resize`), optionally cropping or padding to the target
aspect ratio first. The output keeps the input's dtype: when the resize
produced another dtype (float64 from padding, float32 from ``area``), integer
outputs are rounded, then every output is saturate-cast back
(``Resizing._transform_images``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f
from kformat.layers._image import IMAGE_FIELDS, axes_hw, keras_tensor
from kformat.layers._resize import (
    INTERPOLATIONS,
    resize,
    saturate_cast,
    tf_resize,
    tf_saturate_cast,
)

__all__ = ["DEFINITIONS", "RESIZING", "resized_shape"]


def resized_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    """``shape`` with its height and width replaced by ``config``'s (rank 3 or 4)."""
    h, w = config.get("height"), config.get("width")
    if len(shape) not in (3, 4) or not (c.positive(h) and c.positive(w)):
        return None
    ha, wa = axes_hw(len(shape), config.get("data_format") or "channels_last")
    out = list(shape)
    out[ha], out[wa] = h, w
    return tuple(out)


def _options(layer: Any) -> dict[str, Any]:
    return {
        "interpolation": layer.interpolation,
        "antialias": layer.antialias,
        "crop_to_aspect_ratio": layer.crop_to_aspect_ratio,
        "pad_to_aspect_ratio": layer.pad_to_aspect_ratio,
        "fill_value": layer.fill_value,
        "channels_first": layer.data_format == "channels_first",
    }


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass (identical arithmetic to Keras' NumPy backend)."""
    x = keras_tensor(inputs)
    hw = axes_hw(x.ndim, layer.data_format)
    y = resize(x, (layer.height, layer.width), hw, **_options(layer))
    if y.dtype == x.dtype:
        return y
    if np.issubdtype(x.dtype, np.integer):
        y = np.round(y)
    return saturate_cast(y, x.dtype)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    x = tf.cast(inputs, tf.float32) if inputs.dtype == tf.float64 else inputs
    hw = axes_hw(len(x.shape), layer.data_format)
    y = tf_resize(tf, x, (layer.height, layer.width), hw, **_options(layer))
    if y.dtype == x.dtype:
        return y
    if x.dtype.is_integer:
        y = tf.round(y)
    return tf_saturate_cast(tf, y, x.dtype.as_numpy_dtype)


def _fill_mode(name: str, v: Any) -> str | None:
    # Every backend's resize refuses other fill modes (backend/*/image.py).
    return None if v == "constant" else f"{name} must be 'constant', got {v!r}"


RESIZING = LayerDef(
    class_name="Resizing",
    source="keras/src/layers/preprocessing/image_preprocessing/resizing.py",
    fields={
        **IMAGE_FIELDS,
        "height": f(c.POS_INT, required=True),
        "width": f(c.POS_INT, required=True),
        "interpolation": f(
            c.enum(*INTERPOLATIONS),
            "bilinear",
            note="`area` only on the TensorFlow backend (computed as `tf.image.resize`)",
        ),
        "crop_to_aspect_ratio": f(c.BOOL, False),
        "pad_to_aspect_ratio": f(c.BOOL, False),
        "fill_mode": f(c.Check(_fill_mode, "`constant`"), "constant"),
        "fill_value": f(c.num(), 0.0),
        "antialias": f(c.BOOL, False, convert=bool),
    },
    call=call,
    tf_call=tf_call,
    output_shape=resized_shape,
    summary="resizes images to `(height, width)` (Keras' NumPy-backend resize)",
)

DEFINITIONS = (RESIZING,)
