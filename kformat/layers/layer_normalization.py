"""``LayerNormalization`` (``keras/src/layers/normalization/layer_normalization.py``).

Variables: ``gamma`` (if ``scale`` or ``rms_scaling``), ``beta`` (if ``center``
and not ``rms_scaling``), each ``tuple(input_shape[a] for a in sorted(axis))``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._common import weight_fields
from kformat.layers._def import InputShape, LayerDef, VariableSpec, dim, f, single

__all__ = ["DEFINITIONS", "LAYER_NORMALIZATION"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = single(input_shape)
    axis = config.get("axis", -1)
    axes = sorted(axis) if isinstance(axis, Sequence) else [axis]
    param = tuple(dim(shape, a) for a in axes)
    rms = bool(config.get("rms_scaling", False))
    out = []
    if config.get("scale", True) or rms:
        out.append(VariableSpec("gamma", param))
    if config.get("center", True) and not rms:
        out.append(VariableSpec("beta", param))
    return tuple(out)


def _axes(layer: Any, rank: int) -> list[int]:
    axis = layer.axis
    return sorted(a % rank for a in (axis if isinstance(axis, (list, tuple)) else [axis]))


def _has(layer: Any) -> tuple[bool, bool]:
    # gamma with scale or rms_scaling; beta with center unless rms_scaling.
    return bool(layer.scale or layer.rms_scaling), bool(layer.center and not layer.rms_scaling)


def call(layer: Any, inputs: Any) -> Any:
    """``ops.layer_normalization`` in at least float32; moments as ``E[x^2] - mean^2``;
    the result cast back to the input dtype, then to the compute dtype."""
    x = np.asarray(inputs)
    original = x.dtype
    x = x.astype(np.promote_types(x.dtype, np.float32), copy=False)
    axes = _axes(layer, x.ndim)
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]

    def bcast(name: str) -> Any:
        v = np.asarray(layer.weight(name)).astype(x.dtype)
        return v if axes == [x.ndim - 1] and v.ndim == 1 else np.reshape(v, shape)

    has_gamma, has_beta = _has(layer)
    gamma = bcast("gamma") if has_gamma else None
    beta = bcast("beta") if has_beta else None
    eps = np.asarray(layer.epsilon, x.dtype)
    if layer.rms_scaling:
        inv = 1.0 / np.sqrt(np.var(x, axis=tuple(axes), keepdims=True) + eps)
        out = x * inv if gamma is None else x * inv * gamma
    else:
        mean = np.mean(x, axis=tuple(axes), keepdims=True)
        variance = np.mean(np.square(x), axis=tuple(axes), keepdims=True) - np.square(mean)
        inv = 1.0 / np.sqrt(variance + eps)
        if gamma is not None:
            inv = inv * gamma
        res = -mean * inv
        if beta is not None:
            res = res + beta
        out = x * inv + res
    return out.astype(original, copy=False).astype(np.dtype(layer.compute_dtype), copy=False)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    original = inputs.dtype
    x = ctx.cast(inputs, ctx.result_dtype(inputs, tf.constant(0, tf.float32)))
    rank = x.shape.rank
    axes = _axes(layer, rank)
    shape: list[Any] = [1] * rank
    for a in axes:
        shape[a] = x.shape[a] if x.shape[a] is not None else tf.shape(x)[a]

    def bcast(name: str) -> Any:
        v = ctx.cast(ctx.weight(layer, name), x.dtype)
        return v if axes == [rank - 1] and v.shape.rank == 1 else tf.reshape(v, shape)

    has_gamma, has_beta = _has(layer)
    gamma = bcast("gamma") if has_gamma else None
    beta = bcast("beta") if has_beta else None
    eps = tf.constant(layer.epsilon, x.dtype)
    one = tf.constant(1.0, x.dtype)
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    if layer.rms_scaling:
        var = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)  # np.var
        inv = one / tf.sqrt(var + eps)
        out = x * inv if gamma is None else x * inv * gamma
    else:
        variance = tf.reduce_mean(tf.square(x), axis=axes, keepdims=True) - tf.square(mean)
        inv = one / tf.sqrt(variance + eps)
        if gamma is not None:
            inv = inv * gamma
        res = -mean * inv
        if beta is not None:
            res = res + beta
        out = x * inv + res
    return ctx.cast(ctx.cast(out, original), layer.compute_dtype)


LAYER_NORMALIZATION = LayerDef(
    class_name="LayerNormalization",
    source="keras/src/layers/normalization/layer_normalization.py",
    fields={
        "axis": f(c.AXES, -1, note="Keras 3 writes a list after `build`"),
        "epsilon": f(c.num(0.0, open_lo=True), 0.001),
        "center": f(c.BOOL, True),
        "scale": f(c.BOOL, True),
        "rms_scaling": f(
            c.BOOL, False, note="Keras 3 (deprecated; when `true` there is no `beta`)"
        ),
        **weight_fields("beta", "gamma", initializers={"beta": "zeros", "gamma": "ones"}),
    },
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    variables=_variables,
    summary="normalization over the feature axes",
    variables_doc="`gamma` (if `scale` or `rms_scaling`), `beta` (if `center` and not "
    "`rms_scaling`); each `tuple(input_shape[a] for a in sorted(axis))`",
)

DEFINITIONS = (LAYER_NORMALIZATION,)
