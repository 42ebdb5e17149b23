"""``AutoContrast`` and ``Equalization``: the deterministic colour adjustments.

From ``keras/src/layers/preprocessing/image_preprocessing/``:

* ``AutoContrast`` stretches every image's channels to the full value range at
  inference too: ``value_range`` is mapped to ``[0, 255]``, each channel of
  each image is scaled by ``255 / (max - min)`` and shifted so ``min -> 0``,
  clipped, mapped back, and channels that became NaN (constant ones) keep
  their input values. The min/max run over axes 1 and 2 whatever the data
  format (as Keras computes them). The result is in the compute dtype.
* ``Equalization`` equalizes histograms only while training (its
  ``transform_images`` is the identity otherwise; the input dtype is kept).
* ``MaxNumBoundingBoxes`` changes only bounding boxes; images pass through.

Both sit inside ``RandAugment`` and ``AugMix`` as saved sub-layers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f
from kformat.layers._image import IMAGE_FIELDS, VALUE_RANGE, identity_def, keras_tensor, np_dtype
from kformat.layers._resize import saturate_cast

__all__ = ["AUTO_CONTRAST", "DEFINITIONS"]


def _to_range(x: Any, source: Any, target: Any, dtype: Any) -> Any:
    """``_transform_value_range``: every operand in ``dtype``."""
    if source[0] == target[0] and source[1] == target[1]:
        return x
    x = x.astype(dtype, copy=False)
    s_lo, s_hi = np.asarray(source[0], dtype), np.asarray(source[1], dtype)
    t_lo, t_hi = np.asarray(target[0], dtype), np.asarray(target[1], dtype)
    return ((x - s_lo) / (s_hi - s_lo)) * (t_hi - t_lo) + t_lo


def _where_dtype(a: Any, b: Any) -> Any:
    """``dtypes.result_type`` of Keras for the two operands of ``where`` (JAX
    promotion: an integer meets a float -> the float; float16 with bfloat16 ->
    float32)."""
    if a == b:
        return a
    a_float, b_float = np.issubdtype(a, np.floating), np.issubdtype(b, np.floating)
    if a_float != b_float:
        return a if a_float else b
    if {a.name, b.name} == {"float16", "bfloat16"}:
        return np.dtype(np.float32)
    return np.promote_types(a, b)


def call(layer: Any, inputs: Any, training: Any = None) -> Any:
    """NumPy forward pass: ``AutoContrast.transform_images`` op for op. The
    backend ops that convert their operands (``clip``, ``where``) turn float64
    into float32 as Keras' NumPy backend does; the last step casts back to the
    compute dtype (``_saturate_cast``)."""
    original = keras_tensor(inputs)
    dtype = np_dtype(layer.compute_dtype)
    x = _to_range(original, layer.value_range, (0, 255), dtype).astype(dtype, copy=False)
    low = np.min(x, axis=(1, 2), keepdims=True)
    high = np.max(x, axis=(1, 2), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 255.0 / (high - low)
        offset = -low * scale
        y = keras_tensor(x * scale + offset)
        y = np.clip(y, 0.0, 255.0).astype(y.dtype, copy=False)
    y = keras_tensor(_to_range(y, (0, 255), layer.value_range, dtype))
    where = _where_dtype(original.dtype, y.dtype)
    y = np.where(np.isnan(y), original.astype(where), y.astype(where, copy=False))
    return y if y.dtype == x.dtype else saturate_cast(y, x.dtype)


def tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = None) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    original = tf.cast(inputs, tf.float32) if inputs.dtype == tf.float64 else inputs
    dtype = ctx.dtype(layer.compute_dtype)

    def to_range(x: Any, source: Any, target: Any) -> Any:
        if source[0] == target[0] and source[1] == target[1]:
            return x
        x = tf.cast(x, dtype)
        s_lo, s_hi, t_lo, t_hi = (tf.constant(v, dtype) for v in (*source, *target))
        return ((x - s_lo) / (s_hi - s_lo)) * (t_hi - t_lo) + t_lo

    x = tf.cast(to_range(original, layer.value_range, (0, 255)), dtype)
    low = tf.reduce_min(x, axis=(1, 2), keepdims=True)
    high = tf.reduce_max(x, axis=(1, 2), keepdims=True)
    scale = tf.constant(255.0, dtype) / (high - low)
    offset = -low * scale
    y = tf.clip_by_value(x * scale + offset, tf.constant(0.0, dtype), tf.constant(255.0, dtype))
    y = to_range(y, (0, 255), layer.value_range)
    return tf.cast(tf.where(tf.math.is_nan(y), tf.cast(original, y.dtype), y), dtype)


def _sorted(v: Any) -> Any:
    return sorted(v)


AUTO_CONTRAST = LayerDef(
    class_name="AutoContrast",
    source="keras/src/layers/preprocessing/image_preprocessing/auto_contrast.py",
    fields={**IMAGE_FIELDS, "value_range": f(VALUE_RANGE.check, [0, 255], convert=_sorted)},
    call=call,
    tf_call=tf_call,
    summary="stretches each image channel to the full value range",
)

DEFINITIONS = (
    AUTO_CONTRAST,
    identity_def(
        "Equalization",
        "equalization",
        {
            "bins": f(c.POS_INT, 256),
            "value_range": f(VALUE_RANGE.check, [0, 255], convert=_sorted),
        },
        cast=False,
        summary="histogram equalization while training",
    ),
    identity_def(
        "MaxNumBoundingBoxes",
        "max_num_bounding_box",
        # ``fill_value`` is a constructor argument that get_config does not write.
        {"max_number": f(c.INT, required=True)},
        cast=False,
        summary="pads or truncates bounding boxes to `max_number`; images pass through",
    ),
)
