"""The geometric ``Random*`` augmentation layers: identity at inference.

``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``,
``RandomShear``, ``RandomPerspective``, ``RandomElasticTransform``
(``keras/src/layers/preprocessing/image_preprocessing/``) cast the images to
the compute dtype and return them unchanged when ``training`` is false.

``RandomCrop`` returns its input unchanged at inference in Keras 3.8 and
later (``RandomCrop.transform_images`` crops only ``if training``), although
its ``compute_output_shape`` claims ``(height, width)``; Keras 3.0-3.7
centre-cropped instead. The runtime follows the current behaviour, keeps the
input dtype (Keras sets ``_convert_input_args = False``: no autocast, so
float16 stays float16), and reports the declared output shape.
"""

from __future__ import annotations

from typing import Any

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f
from kformat.layers._image import (
    IMAGE_FIELDS,
    RNG_TYPE,
    SEED,
    VALUE_RANGE,
    identity_def,
    keras_tensor,
)
from kformat.layers.resizing import resized_shape

__all__ = ["DEFINITIONS", "FACTOR", "OPT_FACTOR"]


def _factor(name: str, v: Any) -> str | None:
    if c.is_num(v):
        return None
    if isinstance(v, list) and len(v) == 2 and all(c.is_num(x) for x in v):
        return None
    return f"{name} must be a number or a list of two numbers, got {v!r}"


#: a factor: one number or ``[lower, upper]``.
FACTOR = c.Check(_factor, "number or array of 2 numbers")
OPT_FACTOR = c.opt(FACTOR)

# The constructors do not check fill modes, interpolations or flip modes; the
# backends' affine_transform refuses unknown ones only while training, so any
# string loads and predicts (the identity) in Keras.
FILL_MODE = c.STR
AFFINE_INTERPOLATION = c.STR


def _affine(**first: Any) -> dict[str, Any]:
    return {
        **first,
        "fill_mode": f(FILL_MODE, "reflect"),
        "interpolation": f(AFFINE_INTERPOLATION, "bilinear"),
        "seed": SEED,
        "fill_value": f(c.num(), 0.0),
    }


def _crop_call(layer: Any, inputs: Any, training: Any = None) -> Any:
    return keras_tensor(inputs)


def _tf_crop_call(ctx: Any, layer: Any, inputs: Any, training: Any = None) -> Any:
    tf = ctx.tf
    return tf.cast(inputs, tf.float32) if inputs.dtype == tf.float64 else inputs


RANDOM_CROP = LayerDef(
    class_name="RandomCrop",
    source="keras/src/layers/preprocessing/image_preprocessing/random_crop.py",
    fields={
        **IMAGE_FIELDS,
        "height": f(c.POS_INT, required=True),
        "width": f(c.POS_INT, required=True),
        "seed": f(c.opt(c.INT), note="Keras writes the seed it drew when none was given"),
        "rng_type": RNG_TYPE,
    },
    call=_crop_call,
    tf_call=_tf_crop_call,
    output_shape=resized_shape,
    autocast=False,
    summary="random crop while training; identity at inference (Keras 3.8+)",
)

DEFINITIONS = (
    identity_def(
        "RandomFlip",
        "random_flip",
        {
            "seed": SEED,
            "mode": f(c.STR, "horizontal_and_vertical"),
        },
        cast=True,
        summary="random horizontal/vertical flips",
    ),
    identity_def(
        "RandomRotation",
        "random_rotation",
        {
            "factor": f(FACTOR, required=True),
            # Keras 3.0-3.5 wrote value_range; 3.6+ raises "Unrecognized keyword
            # arguments" on it, so it is read and dropped like a Keras 2 key.
            "value_range": f(
                VALUE_RANGE.check,
                tf_keras=True,
                note="written by Keras 3.0-3.5; Keras 3.6+ rejects it",
            ),
            "fill_mode": f(FILL_MODE, "reflect"),
            "fill_value": f(c.num(), 0.0),
            "interpolation": f(AFFINE_INTERPOLATION, "bilinear"),
            "seed": SEED,
        },
        cast=True,
        summary="random rotations",
    ),
    identity_def(
        "RandomZoom",
        "random_zoom",
        _affine(
            height_factor=f(FACTOR, required=True),
            width_factor=f(OPT_FACTOR),
        ),
        cast=True,
        summary="random zoom",
    ),
    identity_def(
        "RandomTranslation",
        "random_translation",
        _affine(
            height_factor=f(FACTOR, required=True),
            width_factor=f(FACTOR, required=True),
        ),
        cast=True,
        summary="random translations",
    ),
    identity_def(
        "RandomShear",
        "random_shear",
        _affine(x_factor=f(FACTOR, [-0.0, 0.0]), y_factor=f(FACTOR, [-0.0, 0.0])),
        cast=True,
        summary="random shears",
    ),
    identity_def(
        "RandomPerspective",
        "random_perspective",
        {
            "factor": f(FACTOR, [0, 1.0]),
            "scale": f(c.num(0.0, 1.0), 1.0),
            "interpolation": f(AFFINE_INTERPOLATION, "bilinear"),
            "fill_value": f(c.num(), 0.0),
            "seed": SEED,
        },
        cast=True,
        summary="random perspective warps",
    ),
    identity_def(
        "RandomElasticTransform",
        "random_elastic_transform",
        {
            "factor": f(FACTOR, [0, 1.0]),
            "scale": f(FACTOR, [0, 1.0]),
            "interpolation": f(AFFINE_INTERPOLATION, "bilinear"),
            "fill_mode": f(FILL_MODE, "reflect"),
            "fill_value": f(c.num(), 0.0),
            "value_range": VALUE_RANGE,
            "seed": SEED,
        },
        cast=True,
        summary="random elastic deformations",
    ),
    RANDOM_CROP,
)
