"""``BatchNormalization`` (``keras/src/layers/normalization/batch_normalization.py``).

Variables: ``gamma`` (if ``scale``), ``beta`` (if ``center``), ``moving_mean``,
``moving_variance``, then with ``renorm`` ``moving_stddev``, ``renorm_mean``,
``renorm_stddev``; each ``(input_shape[axis],)``. tf_keras multi-axis ``axis``
lists give a broadcastable full-rank shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._common import weight_fields
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, dim, f, single

__all__ = ["BATCH_NORMALIZATION", "DEFINITIONS"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = single(input_shape)
    axis = config.get("axis", -1)
    if isinstance(axis, int):
        param: Shape = (dim(shape, axis),)
    elif len(axis) == 1:  # tf-keras stores a one-element list
        param = (dim(shape, axis[0]),)
    else:  # tf-keras multi-axis: a broadcastable full-rank shape
        norm = {a % len(shape) for a in axis}
        param = tuple(shape[i] if i in norm else 1 for i in range(len(shape)))
    out = []
    if config.get("scale", True):
        out.append(VariableSpec("gamma", param))
    if config.get("center", True):
        out.append(VariableSpec("beta", param))
    out += [
        VariableSpec("moving_mean", param, False),
        VariableSpec("moving_variance", param, False),
    ]
    if config.get("renorm", False):
        out += [
            VariableSpec("moving_stddev", param, False),
            VariableSpec("renorm_mean", param, False),
            VariableSpec("renorm_stddev", param, False),
        ]
    return tuple(out)


def call(layer: Any, inputs: Any, training: Any = None, mask: Any = None) -> Any:
    """Inference: ``x * inv + (beta - moving_mean * inv)``, ``inv = gamma / sqrt(var + eps)``,
    in at least float32, cast to the compute dtype (``backend/numpy/nn.py``)."""
    x = np.asarray(inputs)
    dtype = np.promote_types(x.dtype, np.float32)
    x = x.astype(dtype)
    shape = [1] * x.ndim
    shape[layer.axis] = x.shape[layer.axis]

    def param(name: str) -> Any:
        return np.reshape(np.asarray(layer.weight(name)).astype(dtype), shape)

    inv = 1.0 / np.sqrt(param("moving_variance") + np.asarray(layer.epsilon, dtype))
    if layer.scale:
        inv = inv * param("gamma")
    res = -param("moving_mean") * inv
    if layer.center:
        res = res + param("beta")
    return (x * inv + res).astype(np.dtype(layer.compute_dtype))


def tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = None, mask: Any = None) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    x = ctx.cast(inputs, ctx.result_dtype(inputs, tf.constant(0, tf.float32)))
    dtype = x.dtype
    axis = layer.axis % x.shape.rank
    shape: list[Any] = [1] * x.shape.rank
    shape[axis] = x.shape[axis] if x.shape[axis] is not None else tf.shape(x)[axis]

    def param(name: str) -> Any:
        return tf.reshape(ctx.cast(ctx.weight(layer, name), dtype), shape)

    inv = tf.constant(1.0, dtype) / tf.sqrt(
        param("moving_variance") + tf.constant(layer.epsilon, dtype)
    )
    if layer.scale:
        inv = inv * param("gamma")
    res = -param("moving_mean") * inv
    if layer.center:
        res = res + param("beta")
    return ctx.cast(x * inv + res, layer.compute_dtype)


BATCH_NORMALIZATION = LayerDef(
    class_name="BatchNormalization",
    source="keras/src/layers/normalization/batch_normalization.py",
    fields={
        "axis": f(
            c.either(c.INT, c.AXES, what="an integer or a list of integers"),
            -1,
            note="integer (Keras 3); array of integers (tf_keras); MUST address an axis of "
            "the input (`-rank ≤ axis < rank`)",
        ),
        "momentum": f(c.num(0.0, 1.0), 0.99),
        "epsilon": f(c.num(0.0, open_lo=True), 0.001),
        "center": f(c.BOOL, True),
        "scale": f(c.BOOL, True),
        **weight_fields("beta", "gamma", initializers={"beta": "zeros", "gamma": "ones"}),
        "moving_mean_initializer": f(c.INITIALIZER, "zeros", kind="initializer"),
        "moving_variance_initializer": f(c.INITIALIZER, "ones", kind="initializer"),
        "synchronized": f(c.BOOL, False, note="Keras 3"),
        "renorm": f(c.BOOL, False, note="Keras 3.14+, tf_keras"),
        "renorm_clipping": f(
            c.opt(c.OBJECT),
            note="object with optional `rmax`, `rmin`, `dmax` (numbers); Keras 3.14+, tf_keras",
        ),
        "renorm_momentum": f(c.num(0.0, 1.0), 0.99, note="Keras 3.14+, tf_keras"),
    },
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    variables=_variables,
    summary="normalization with moving statistics",
    variables_doc="`gamma` (if `scale`), `beta` (if `center`), `moving_mean`, "
    "`moving_variance`, then with `renorm`: `moving_stddev`, `renorm_mean`, `renorm_stddev`; "
    "each `(input_shape[axis],)`; tf_keras multi-axis `axis` lists give a broadcastable "
    "full-rank shape (`1` outside the axes)",
)

DEFINITIONS = (BATCH_NORMALIZATION,)
