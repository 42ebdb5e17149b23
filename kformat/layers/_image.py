"""What the image preprocessing classes share (spec §5.9): config keys, dtype rules.

Keras' image preprocessing layers derive from ``BaseImagePreprocessingLayer``
(``keras/src/layers/preprocessing/image_preprocessing/base_image_preprocessing_layer.py``):
its ``get_config`` writes ``data_format`` right after the base keys, then
``bounding_box_format`` only when one was given, then the class's own keys.

Dtypes at inference, as Keras 3.15 computes them on its NumPy backend:

* ``Layer.__call__`` casts float inputs to the compute dtype; integer and
  boolean inputs pass through (uint8 images stay uint8);
* ``BaseImagePreprocessingLayer.call`` then runs ``convert_to_tensor`` on the
  images, which on the NumPy backend turns float64 arrays into float32
  (``keras/src/backend/numpy/core.py``), even under a float64 policy;
* a class either hands that array back unchanged at inference (``keep``: the
  colour layers, ``Resizing`` keeps the input dtype) or casts it to the
  compute dtype first (``cast``: the geometric layers, ``CenterCrop``).

``training`` is accepted and ignored: the runtime only infers, and Keras
records ``training=True`` in these layers' functional nodes (their ``call``
defaults to it), which ``Model.predict`` overrides with ``False``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import Field, LayerDef, f

__all__ = [
    "DATA_FORMAT_FIELD",
    "IMAGE_FIELDS",
    "SEED",
    "VALUE_RANGE",
    "axes_hw",
    "identity_def",
    "keras_tensor",
    "np_dtype",
]


def _data_format(name: str, v: Any) -> str | None:
    # backend.standardize_data_format: None -> the global image_data_format
    # (channels_last unless configured), then lower-cased and checked.
    if v is None or (isinstance(v, str) and v.lower() in ("channels_last", "channels_first")):
        return None
    return f"{name} must be 'channels_last' or 'channels_first', got {v!r}"


DATA_FORMAT_FIELD = f(
    c.Check(_data_format, "`channels_last`, `channels_first` or `null`"),
    "channels_last",
    convert=lambda v: "channels_last" if v is None else str(v).lower(),
)

#: the keys ``BaseImagePreprocessingLayer.get_config`` writes before the class's own.
IMAGE_FIELDS: dict[str, Field] = {
    "data_format": DATA_FORMAT_FIELD,
    "bounding_box_format": f(c.opt(c.STR), saved="if_set", note="only when given"),
}


def _num_pair(name: str, v: Any) -> str | None:
    if isinstance(v, list) and len(v) == 2 and all(c.is_num(x) for x in v):
        return None
    return f"{name} must be a list of two numbers, got {v!r}"


#: ``value_range``: ``[low, high]`` of the pixel values.
VALUE_RANGE = f(c.Check(_num_pair, "array of 2 numbers"), [0, 255])
#: ``seed``: an integer or ``null``.
SEED = f(c.opt(c.INT))
#: tf_keras' BaseRandomLayer writes its generator kind; Keras 3 has no such argument.
RNG_TYPE = f(c.opt(c.STR), tf_keras=True, note="tf_keras writes `stateful`/`stateless`")


def np_dtype(name: str) -> Any:
    """The NumPy dtype of a Keras dtype name (``bfloat16`` from ``ml_dtypes``)."""
    try:
        return np.dtype(name)
    except TypeError:
        import ml_dtypes

        return np.dtype(getattr(ml_dtypes, name))


def keras_tensor(x: Any) -> Any:
    """``convert_to_tensor`` of the NumPy backend: float64 arrays become float32."""
    x = np.asarray(x)
    return x.astype(np.float32) if x.dtype == np.float64 else x


def axes_hw(ndim: int, data_format: str) -> tuple[int, int]:
    """The height and width axes of a rank-3 or rank-4 image tensor."""
    if ndim not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of "
            f"images), got rank {ndim}"
        )
    return (ndim - 2, ndim - 1) if data_format == "channels_first" else (ndim - 3, ndim - 2)


def _keep(layer: Any, inputs: Any, training: Any = None) -> Any:
    return keras_tensor(inputs)


def _cast(layer: Any, inputs: Any, training: Any = None) -> Any:
    return keras_tensor(inputs).astype(np_dtype(layer.compute_dtype), copy=False)


def _tf_keep(ctx: Any, layer: Any, inputs: Any, training: Any = None) -> Any:
    tf = ctx.tf
    return tf.cast(inputs, tf.float32) if inputs.dtype == tf.float64 else inputs


def _tf_cast(ctx: Any, layer: Any, inputs: Any, training: Any = None) -> Any:
    return ctx.cast(_tf_keep(ctx, layer, inputs), layer.compute_dtype)


def identity_def(
    class_name: str,
    module: str,
    fields: Mapping[str, Field],
    *,
    cast: bool,
    summary: str,
) -> LayerDef:
    """A class that is the identity at inference (``training=False``).

    ``cast`` says whether Keras casts the images to the compute dtype first
    (see the module docstring). Keras saves no state for these classes: the
    ``SeedGenerator`` they hold is not a saved variable (``Layer.save_own_variables``
    writes only ``_trainable_variables + _non_trainable_variables``), so their
    ``vars`` group is empty.
    """
    return LayerDef(
        class_name=class_name,
        source=f"keras/src/layers/preprocessing/image_preprocessing/{module}.py",
        fields={
            **IMAGE_FIELDS,
            **fields,
            **({"rng_type": RNG_TYPE} if class_name.startswith("Random") else {}),
        },
        call=_cast if cast else _keep,
        tf_call=_tf_cast if cast else _tf_keep,
        summary=summary
        + (
            "; identity at inference (cast to the compute dtype)"
            if cast
            else "; identity at inference (input dtype kept)"
        ),
    )
