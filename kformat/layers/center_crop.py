"""``CenterCrop`` (``keras/src/layers/preprocessing/image_preprocessing/center_crop.py``).

Casts the images to the compute dtype, then takes the centred
``(height, width)`` window (start ``(in - out) // 2``). When the input is
smaller than the target along either axis, Keras instead calls
``image_utils.smart_resize``: crop the largest centred box of the target's
aspect ratio, then resize it bilinearly (no antialiasing) to the target.
"""

from __future__ import annotations

from typing import Any

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f
from kformat.layers._image import IMAGE_FIELDS, axes_hw, keras_tensor, np_dtype
from kformat.layers._resize import resize, tf_resize
from kformat.layers.resizing import resized_shape

__all__ = ["CENTER_CROP", "DEFINITIONS"]


def _window(ndim: int, hw: tuple[int, int], starts: tuple[int, int], size: tuple[int, int]) -> Any:
    index = [slice(None)] * ndim
    for axis, start, n in zip(hw, starts, size, strict=True):
        index[axis] = slice(start, start + n)
    return tuple(index)


def _plan(shape: Any, layer: Any) -> tuple[tuple[int, int], tuple[int, int], bool]:
    hw = axes_hw(len(shape), layer.data_format)
    h_diff, w_diff = shape[hw[0]] - layer.height, shape[hw[1]] - layer.width
    return hw, (h_diff // 2, w_diff // 2), h_diff >= 0 and w_diff >= 0


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass."""
    x = keras_tensor(inputs).astype(np_dtype(layer.compute_dtype), copy=False)
    size = (layer.height, layer.width)
    hw, starts, fits = _plan(x.shape, layer)
    if fits:
        return x[_window(x.ndim, hw, starts, size)]
    # smart_resize: convert_to_tensor (float64 -> float32 again), then
    # crop_to_aspect_ratio + bilinear resize, same arithmetic.
    return resize(keras_tensor(x), size, hw, crop_to_aspect_ratio=True)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    x = tf.cast(inputs, tf.float32) if inputs.dtype == tf.float64 else inputs
    x = ctx.cast(x, layer.compute_dtype)
    size = (layer.height, layer.width)
    hw, starts, fits = _plan(tuple(x.shape), layer)
    if fits:
        return x[_window(len(x.shape), hw, starts, size)]
    if x.dtype == tf.float64:
        x = tf.cast(x, tf.float32)
    return tf_resize(tf, x, size, hw, crop_to_aspect_ratio=True)


CENTER_CROP = LayerDef(
    class_name="CenterCrop",
    source="keras/src/layers/preprocessing/image_preprocessing/center_crop.py",
    fields={
        **IMAGE_FIELDS,
        "height": f(c.POS_INT, required=True),
        "width": f(c.POS_INT, required=True),
    },
    call=call,
    tf_call=tf_call,
    output_shape=resized_shape,
    summary="centred `(height, width)` crop; smaller inputs are cropped to the aspect "
    "ratio and resized",
)

DEFINITIONS = (CENTER_CROP,)
