"""``CustomScaleLayer`` (``keras/src/applications/inception_resnet_v2.py``):
``inputs[0] + inputs[1] * scale`` on a list of two tensors.

InceptionResNetV2 adds each block's scaled residual to its shortcut with it.
Keras does not export the class from ``keras.layers``, so a saved model names
it with its defining module, ``keras.src.applications.inception_resnet_v2``,
and ``registered_name`` equal to the class name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, f

__all__ = ["CUSTOM_SCALE_LAYER", "DEFINITIONS"]


def _pair(inputs: Any) -> tuple[Any, Any]:
    if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
        raise ValueError("CustomScaleLayer needs a list of two inputs [shortcut, residual]")
    return inputs[0], inputs[1]


def call(layer: Any, inputs: Any) -> Any:
    """``x + r * scale``; ``scale`` is a Python number, so NumPy keeps ``r``'s dtype."""
    x, r = _pair(inputs)
    return np.asarray(x) + np.asarray(r) * layer.scale


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    x, r = _pair(inputs)
    tf = ctx.tf
    return ctx.binary(tf.add, x, ctx.binary(tf.multiply, r, layer.scale))


CUSTOM_SCALE_LAYER = LayerDef(
    class_name="CustomScaleLayer",
    source="keras/src/applications/inception_resnet_v2.py",
    module="keras.src.applications.inception_resnet_v2",
    fields={"scale": f(c.num(), required=True)},
    call=call,
    tf_call=tf_call,
    summary="InceptionResNetV2's `inputs[0] + inputs[1] * scale`; module "
    "`keras.src.applications.inception_resnet_v2`",
)

DEFINITIONS = (CUSTOM_SCALE_LAYER,)
