"""``LayerScale`` and ``StochasticDepth`` (``keras/src/applications/convnext.py``).

ConvNeXt builds these two layers; Keras does not export them from
``keras.layers``, so a saved ConvNeXt names them with their defining module,
``keras.src.applications.convnext``, and ``registered_name`` equal to the class
name (``serialization_lib.serialize_keras_object`` on an unexported class).

* ``LayerScale``: ``x * gamma``; variable ``gamma (projection_dim,)``.
* ``StochasticDepth``: drops whole residual paths while training; identity at
  inference (``call(x, training=None)`` returns ``x`` unless ``training``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import InputShape, LayerDef, VariableSpec, f

__all__ = ["DEFINITIONS", "LAYER_SCALE", "STOCHASTIC_DEPTH"]

#: the module Keras writes for both classes in ``config.json``
MODULE = "keras.src.applications.convnext"


def _scale_variables(
    config: Mapping[str, Any], input_shape: InputShape
) -> tuple[VariableSpec, ...]:
    # build() ignores the input shape: gamma is (projection_dim,), broadcast
    # over the last axis of the input in call().
    return (VariableSpec("gamma", (config["projection_dim"],)),)


def scale_call(layer: Any, inputs: Any) -> Any:
    """``x * gamma`` (NumPy promotion, as Keras' NumPy backend)."""
    return np.multiply(np.asarray(inputs), layer.weight("gamma"))


def scale_tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`scale_call`."""
    return ctx.binary(ctx.tf.multiply, inputs, ctx.weight(layer, "gamma"))


def depth_call(layer: Any, inputs: Any, training: Any = None) -> Any:
    """Identity: the runtime only runs inference (``training`` is never true here)."""
    return inputs


def depth_tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = None) -> Any:
    """TensorFlow twin of :func:`depth_call`."""
    return ctx.tf.identity(inputs)


LAYER_SCALE = LayerDef(
    class_name="LayerScale",
    source="keras/src/applications/convnext.py",
    module=MODULE,
    fields={
        "init_values": f(c.num(), required=True, note="gamma's initial value"),
        "projection_dim": f(c.POS_INT, required=True),
    },
    call=scale_call,
    tf_call=scale_tf_call,
    variables=_scale_variables,
    summary="ConvNeXt's per-channel scale `x * gamma`; module `keras.src.applications.convnext`",
    variables_doc="`gamma (projection_dim,)`",
)

STOCHASTIC_DEPTH = LayerDef(
    class_name="StochasticDepth",
    source="keras/src/applications/convnext.py",
    module=MODULE,
    fields={"drop_path_rate": f(c.num(), required=True)},
    call=depth_call,
    tf_call=depth_tf_call,
    summary="ConvNeXt's residual-path dropping, identity at inference; module `keras.src.applications.convnext`",
)

DEFINITIONS = (LAYER_SCALE, STOCHASTIC_DEPTH)
