"""Regularization layers that are the identity at inference
(``keras/src/layers/regularization/``): SpatialDropout1D/2D/3D, GaussianNoise,
GaussianDropout, AlphaDropout, ActivityRegularization.

Each returns its input unchanged when ``training`` is false, the only mode the
runtime runs; ``training=True`` with a non-zero rate is refused rather than
drawing different random numbers than Keras. They own no variables: their
``SeedGenerator`` state is not a ``KerasSaveable`` and Keras 3.0-3.15 never
write it (``keras/src/saving/saving_lib.py`` ``_save_state``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.errors import UnsupportedFeatureError
from kformat.layers import _checks as c
from kformat.layers._def import Field, LayerDef, Shape, f

__all__ = [
    "ACTIVITY_REGULARIZATION",
    "ALPHA_DROPOUT",
    "DEFINITIONS",
    "GAUSSIAN_DROPOUT",
    "GAUSSIAN_NOISE",
    "SPATIAL_DROPOUT_1D",
    "SPATIAL_DROPOUT_2D",
    "SPATIAL_DROPOUT_3D",
]


def _refuse_training(layer: Any, training: Any, amount: float) -> None:
    if training is True and amount > 0:
        raise UnsupportedFeatureError(
            f"layer {layer.name!r}: the runtime only runs inference (training=False)"
        )


def _dropout_call(layer: Any, inputs: Any, training: Any = False) -> Any:
    """Identity at inference (``call(inputs, training=False)``)."""
    _refuse_training(layer, training, layer.rate)
    return inputs


def _dropout_tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = False) -> Any:
    """TensorFlow twin of :func:`_dropout_call`."""
    _refuse_training(layer, training, layer.rate)
    return inputs


def _noise_call(layer: Any, inputs: Any, training: Any = False) -> Any:
    """Identity at inference (GaussianNoise)."""
    _refuse_training(layer, training, layer.stddev)
    return inputs


def _noise_tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = False) -> Any:
    """TensorFlow twin of :func:`_noise_call`."""
    _refuse_training(layer, training, layer.stddev)
    return inputs


def _identity(layer: Any, inputs: Any) -> Any:
    """ActivityRegularization: ``call(inputs)`` returns ``inputs``."""
    return inputs


def _tf_identity(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`_identity`."""
    return inputs


def _rank(n: int) -> Any:
    # InputSpec(ndim=n): Keras refuses other ranks when the layer is built.
    def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        return shape if len(shape) == n else None

    return output_shape


def _spatial_config(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    # BaseSpatialDropout.get_config replaces Layer's: no `trainable`, and
    # `dtype` is the variable dtype's name (spatial_dropout.py).
    out = {"rate": config["rate"], "seed": config["seed"], "name": layer.name, "dtype": layer.dtype}
    if "data_format" in config:
        out["data_format"] = config["data_format"]
    return out


def _spatial(rank: int) -> LayerDef:
    fields: dict[str, Field] = {
        "rate": f(c.RATE, required=True),
        "seed": f(c.opt(c.INT)),
        "noise_shape": f(
            c.opt(c.SHAPE), tf_keras=True, note="tf_keras (its Dropout base); Keras 3 refuses it"
        ),
    }
    if rank > 1:
        fields["data_format"] = f(
            c.opt(c.DATA_FORMAT),
            "channels_last",
            convert=lambda v: "channels_last" if v is None else v,
            note="`null` is read as `channels_last`",
        )
    return LayerDef(
        class_name=f"SpatialDropout{rank}D",
        source="keras/src/layers/regularization/spatial_dropout.py",
        fields=fields,
        call=_dropout_call,
        tf_call=_dropout_tf_call,
        output_shape=_rank(rank + 2),
        get_config=_spatial_config,
        refused_base_keys=("trainable",),
        supports_masking=True,
        summary=f"drops whole feature maps while training; identity at inference (rank {rank + 2}); "
        "its config has no `trainable` and `dtype` is a dtype name",
    )


SPATIAL_DROPOUT_1D = _spatial(1)
SPATIAL_DROPOUT_2D = _spatial(2)
SPATIAL_DROPOUT_3D = _spatial(3)

GAUSSIAN_NOISE = LayerDef(
    class_name="GaussianNoise",
    source="keras/src/layers/regularization/gaussian_noise.py",
    fields={"stddev": f(c.num(0.0, 1.0), required=True), "seed": f(c.opt(c.INT))},
    call=_noise_call,
    tf_call=_noise_tf_call,
    supports_masking=True,
    summary="additive Gaussian noise while training; identity at inference",
)

GAUSSIAN_DROPOUT = LayerDef(
    class_name="GaussianDropout",
    source="keras/src/layers/regularization/gaussian_dropout.py",
    fields={"rate": f(c.RATE, required=True), "seed": f(c.opt(c.INT))},
    call=_dropout_call,
    tf_call=_dropout_tf_call,
    supports_masking=True,
    summary="multiplicative Gaussian noise while training; identity at inference",
)

ALPHA_DROPOUT = LayerDef(
    class_name="AlphaDropout",
    source="keras/src/layers/regularization/alpha_dropout.py",
    fields={
        "rate": f(c.RATE, required=True),
        "seed": f(c.opt(c.INT)),
        "noise_shape": f(c.opt(c.SHAPE)),
    },
    call=_dropout_call,
    tf_call=_dropout_tf_call,
    supports_masking=True,
    summary="SELU-preserving dropout while training; identity at inference",
)

ACTIVITY_REGULARIZATION = LayerDef(
    class_name="ActivityRegularization",
    source="keras/src/layers/regularization/activity_regularization.py",
    fields={
        # regularizers.L1L2: None is 0, other values must be finite and >= 0
        "l1": f(c.opt(c.num(0.0)), 0.0),
        "l2": f(c.opt(c.num(0.0)), 0.0),
    },
    call=_identity,
    tf_call=_tf_identity,
    supports_masking=True,
    summary="adds an L1/L2 activity loss while training; identity at inference",
)

DEFINITIONS = (
    SPATIAL_DROPOUT_1D,
    SPATIAL_DROPOUT_2D,
    SPATIAL_DROPOUT_3D,
    GAUSSIAN_NOISE,
    GAUSSIAN_DROPOUT,
    ALPHA_DROPOUT,
    ACTIVITY_REGULARIZATION,
)
