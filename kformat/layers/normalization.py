"""``Normalization`` (``keras/src/layers/preprocessing/normalization.py``):
``(x - mean) / max(sqrt(variance), 1e-7)``, or with ``invert``
``mean + x * max(sqrt(variance), 1e-7)``, in the compute dtype.

``axis`` (written as a list: ``-1`` becomes ``[-1]``, ``null`` ``[]``) names
the axes that keep their own statistics; every other axis shares them.
The statistics come from the config (``mean``/``variance`` as numbers or
nested lists, broadcast against the kept axes from the right) or, when the
config has none, from the adapted variables ``mean``, ``variance`` (shape
``tuple(input_shape[a] for a in sorted kept axes)``) and ``count`` (an
``int32`` scalar Keras keeps for older files). Keras 3.0-3.15 agree on all of
this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, f, single

__all__ = ["DEFINITIONS", "NORMALIZATION"]

_EPSILON = 1e-7  # backend.epsilon()


def _axis_check(name: str, value: Any) -> str | None:
    if value is None or c.is_int(value):
        return None
    if isinstance(value, list) and all(c.is_int(a) for a in value):
        return None if len(set(value)) == len(value) else f"{name} must not repeat an axis"
    return f"{name} must be an integer, a list of integers or null, got {value!r}"


def _axis_convert(value: Any) -> list[int]:
    if value is None:
        return []
    return [value] if isinstance(value, int) else list(value)


def _stat_check(name: str, value: Any) -> str | None:
    if value is None or c.is_num(value):
        return None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif not c.is_num(item):
            return f"{name} must be a number, a (nested) list of numbers or null, got {value!r}"
    return None


AXIS = c.Check(_axis_check, "integer, array of distinct integers, or `null`")
STAT = c.Check(_stat_check, "number, nested array of numbers, or `null`")


def _stat_shape(value: Any, name: str) -> tuple[int, ...]:
    arr = np.asarray(value)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"`{name}` must be a number or a rectangular (nested) list of numbers")
    return arr.shape


def _keep(axis: Sequence[int], rank: int) -> tuple[int, ...]:
    axes = _axis_convert(axis)
    if any(not -rank <= a < rank for a in axes):
        raise ValueError(
            "All `axis` values must be in the range [-ndim, ndim). "
            f"Received inputs with ndim={rank}, while axis={tuple(axes)}"
        )
    return tuple(sorted(a % rank for a in axes))


def _given_shape(config: Mapping[str, Any], keep: tuple[int, ...], shape: Shape) -> None:
    """Keras' checks of a config ``mean``/``variance`` (constructor and ``build``)."""
    mean, variance = config.get("mean"), config.get("variance")
    if (mean is None) != (variance is None):
        raise ValueError(
            "When setting values directly, both `mean` and `variance` must be set. "
            f"Received: mean={mean} and variance={variance}"
        )
    if mean is None:
        return
    mshape, vshape = _stat_shape(mean, "mean"), _stat_shape(variance, "variance")
    if mshape != vshape:
        raise ValueError(
            "When setting values directly, `mean` and `variance` must have the same shape. "
            f"Received: mean shape {mshape} and variance shape {vshape}"
        )
    if len(mshape) > len(keep):
        raise ValueError(
            f"The rank of `mean` must be less than or equal to the number of axes "
            f"({len(keep)}). Received: mean shape {mshape}"
        )
    for i in range(1, len(mshape) + 1):  # broadcast_to the kept dimensions
        want = shape[keep[-i]]
        if mshape[-i] not in (1, want):
            raise ValueError(f"`mean` of shape {mshape} does not broadcast to axis {keep[-i]}")


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = single(input_shape)
    keep = _keep(config.get("axis", -1), len(shape))
    stats: list[int] = []
    for d in keep:
        size = shape[d]
        if size is None:
            raise ValueError(
                f"All `axis` values to be kept must have a known shape. Received "
                f"inputs.shape={list(shape)}, with unknown axis at index {d}"
            )
        stats.append(size)
    _given_shape(config, keep, shape)
    if config.get("mean") is not None:
        return ()
    return (
        VariableSpec("mean", tuple(stats), False, attr="adapt_mean"),
        VariableSpec("variance", tuple(stats), False, attr="adapt_variance", initializer="ones"),
        VariableSpec("count", (), False, dtype="int32"),
    )


def _given(layer: Any, shape: tuple[int, ...]) -> tuple[Any, Any]:
    """The config's ``mean``, ``variance`` reshaped to broadcast against ``shape``
    (``build``: trailing dimensions on the kept axes, from the right)."""
    keep = _keep(layer.axis, len(shape))
    mean = np.asarray(layer.mean, np.float32)
    variance = np.asarray(layer.variance, np.float32)
    if mean.ndim:
        expanded = [1] * len(shape)
        for i in range(1, mean.ndim + 1):
            expanded[keep[-i]] = mean.shape[-i]
        mean, variance = mean.reshape(expanded), variance.reshape(expanded)
    return mean, variance


def _broadcast(layer: Any, shape: tuple[int, ...]) -> list[int]:
    keep = _keep(layer.axis, len(shape))
    return [shape[d] if d in keep else 1 for d in range(len(shape))]


def call(layer: Any, inputs: Any) -> Any:
    """Keras' ``call``: the inputs in the compute dtype, the statistics broadcast."""
    x = np.asarray(inputs).astype(layer.compute_dtype, copy=False)
    broadcast = _broadcast(layer, x.shape)
    if layer.mean is None:
        mean = np.reshape(layer.weight("adapt_mean"), broadcast)
        variance = np.reshape(layer.weight("adapt_variance"), broadcast)
    else:
        mean, variance = _given(layer, x.shape)
    mean = mean.astype(x.dtype, copy=False)
    scale = np.maximum(np.sqrt(variance.astype(x.dtype, copy=False)), _EPSILON)
    if layer.invert:
        return mean + x * scale
    return (x - mean) / scale


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    x = ctx.cast(inputs, layer.compute_dtype)
    shape = tuple(1 if d is None else d for d in x.shape)
    if layer.mean is None:
        broadcast = _broadcast(layer, shape)
        mean = tf.reshape(ctx.weight(layer, "adapt_mean"), broadcast)
        variance = tf.reshape(ctx.weight(layer, "adapt_variance"), broadcast)
    else:
        m, v = _given(layer, shape)
        mean, variance = tf.constant(m), tf.constant(v)
    mean = ctx.cast(mean, x.dtype)
    scale = tf.maximum(tf.sqrt(ctx.cast(variance, x.dtype)), tf.constant(_EPSILON, x.dtype))
    return mean + x * scale if layer.invert else (x - mean) / scale


NORMALIZATION = LayerDef(
    class_name="Normalization",
    source="keras/src/layers/preprocessing/normalization.py",
    fields={
        "axis": f(
            AXIS,
            -1,
            convert=_axis_convert,
            note="written as an array; each MUST address an axis of the input, kept axes known",
        ),
        "invert": f(c.BOOL, False),
        "mean": f(
            STAT,
            note="with `variance`, or neither (then adapted variables); same shape as "
            "`variance`, rank ≤ number of axes",
        ),
        "variance": f(STAT),
    },
    call=call,
    tf_call=tf_call,
    variables=_variables,
    supports_masking=True,
    summary="feature standardization with given or adapted mean and variance",
    variables_doc="none when the config gives `mean`/`variance`; else `mean`, `variance` "
    "(each `tuple(input_shape[a] for a in sorted(axis))`) and `count` (`int32`, `()`)",
)

DEFINITIONS = (NORMALIZATION,)
