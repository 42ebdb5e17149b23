"""Keras 3 graph operations and tf-keras ``TFOpLambda`` functions in TensorFlow.

Mirrors the explicit tables of the runtime (``reference_runtime/ops.py`` ``OPS``,
``reference_runtime/layers/tf_op_lambda.py`` ``TF_FUNCTIONS``), one entry for
each, with NumPy's dtype promotion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import tensorflow as tf

from kformat.errors import UnsupportedFeatureError
from reference_runtime.export import _activations as act
from reference_runtime.export._context import TFLayer, TraceContext, is_tensor, tf_dtype
from reference_runtime.export._helpers import binary, cast, promote

__all__ = ["TF_FUNCTIONS", "TF_OPS"]


def _bin(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return lambda x, y: binary(fn, x, y)


def _tensor(x: Any) -> Any:
    return x if is_tensor(x) else tf.convert_to_tensor(x)


def _reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        x = _tensor(x)
        axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        return cast(fn(x, axis=axis, keepdims=keepdims), x.dtype)

    return run


def _logical(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        return fn(cast(_tensor(x), tf.bool), axis=axis, keepdims=keepdims)

    return run


def _where(condition: Any, x: Any = None, y: Any = None) -> Any:
    if x is None or y is None:
        raise UnsupportedFeatureError("ops.where with one argument cannot be exported")
    a, b = promote(x, y)
    return tf.where(cast(_tensor(condition), tf.bool), a, b)


def _concatenate(xs: Any, axis: int = 0) -> Any:
    return tf.concat(promote(*xs), axis=axis)


def _stack(xs: Any, axis: int = 0) -> Any:
    return tf.stack(promote(*xs), axis=axis)


def _squeeze(x: Any, axis: Any = None) -> Any:
    return tf.squeeze(x, axis=list(axis) if isinstance(axis, (list, tuple)) else axis)


def _unary(fn: Callable[[Any], Any]) -> Callable[..., Any]:
    return lambda x: fn(_tensor(x))


def _float(fn: Callable[[Any], Any]) -> Callable[..., Any]:
    # Integer inputs of the float functions become float32 (reference_runtime/ops.py _float).
    def run(x: Any) -> Any:
        x = _tensor(x)
        return fn(x if x.dtype.is_floating else tf.cast(x, tf.float32))

    return run


def _arg(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        x = _tensor(x)
        if x.dtype.is_floating and x.dtype not in (tf.float32, tf.float64):
            x = tf.cast(x, tf.float32)
        if x.dtype.is_floating:
            tiny = tf.constant(np.finfo(x.dtype.as_numpy_dtype).tiny, x.dtype)
            neg_zero = tf.logical_and(tf.equal(x, 0.0), tf.math.less(1.0 / x, 0.0))
            x = tf.where(neg_zero, -tiny, x)
        if axis is None:
            x, axis = tf.reshape(x, [-1]), 0
        out = tf.cast(fn(x, axis=axis), tf.int32)
        return tf.expand_dims(out, axis) if keepdims else out

    return run


def _moments(std: bool) -> Callable[..., Any]:
    def run(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        x = _tensor(x)
        if not x.dtype.is_floating:
            x = tf.cast(x, tf.float32)
        axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        _, var = tf.nn.moments(
            x, axes=axis if axis is not None else list(range(x.shape.rank)), keepdims=keepdims
        )
        return tf.sqrt(var) if std else var

    return run


def _cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    x = _tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    if dtype is not None:
        x = cast(x, tf_dtype(dtype))
    elif x.dtype == tf.bool:
        x = tf.cast(x, tf.int32)
    return tf.cumsum(x, axis=axis)


def _clip(x: Any, x_min: Any, x_max: Any) -> Any:
    x = _tensor(x)
    if x.dtype == tf.bool:
        x = tf.cast(x, tf.int32)
    return tf.clip_by_value(x, tf.constant(x_min, x.dtype), tf.constant(x_max, x.dtype))


def _one_hot(
    x: Any, num_classes: int, axis: int = -1, dtype: Any = "float32", sparse: bool = False
) -> Any:
    return tf.one_hot(
        tf.cast(x, tf.int32), num_classes, axis=axis, dtype=tf_dtype(dtype or "float32")
    )


def _get_item(x: Any, key: Any) -> Any:
    return _tensor(x)[tuple(key) if isinstance(key, list) else key]


def _take(x: Any, indices: Any, axis: Any = None) -> Any:
    x = _tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.gather(x, tf.cast(indices, tf.int64), axis=axis)


def _repeat(x: Any, repeats: Any, axis: Any = None) -> Any:
    x = _tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.repeat(x, repeats, axis=axis)


def _flip(x: Any, axis: Any = None) -> Any:
    x = _tensor(x)
    axes = (
        list(range(x.shape.rank))
        if axis is None
        else ([axis] if isinstance(axis, int) else list(axis))
    )
    return tf.reverse(x, axes)


_OP_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "Add": _bin(tf.add),
    "Subtract": _bin(tf.subtract),
    "Multiply": _bin(tf.multiply),
    "Divide": _bin(tf.divide),
    "TrueDivide": _bin(tf.divide),
    "Power": _bin(tf.pow),
    "Maximum": _bin(tf.maximum),
    "Minimum": _bin(tf.minimum),
    "Equal": _bin(tf.equal),
    "NotEqual": _bin(tf.not_equal),
    "Greater": _bin(tf.greater),
    "GreaterEqual": _bin(tf.greater_equal),
    "Less": _bin(tf.less),
    "LessEqual": _bin(tf.less_equal),
    "LogicalAnd": lambda x, y: tf.logical_and(cast(x, tf.bool), cast(y, tf.bool)),
    "LogicalOr": lambda x, y: tf.logical_or(cast(x, tf.bool), cast(y, tf.bool)),
    "LogicalNot": lambda x: tf.logical_not(cast(x, tf.bool)),
    "Matmul": _bin(tf.matmul),
    "Negative": _unary(tf.negative),
    "Absolute": _unary(tf.abs),
    "Abs": _unary(tf.abs),
    "Exp": _unary(tf.exp),
    "Log": _unary(tf.math.log),
    "Sqrt": _unary(tf.sqrt),
    "Square": _unary(tf.square),
    "Tanh": _unary(tf.tanh),
    "Where": _where,
    "Mean": _reduce(tf.reduce_mean),
    "Sum": _reduce(tf.reduce_sum),
    "Max": _reduce(tf.reduce_max),
    "Min": _reduce(tf.reduce_min),
    "Any": _logical(tf.reduce_any),
    "All": _logical(tf.reduce_all),
    "Reshape": lambda x, newshape: tf.reshape(x, newshape),
    "Transpose": lambda x, axes=None: tf.transpose(x, axes),
    "ExpandDims": lambda x, axis: tf.expand_dims(x, axis),
    "Squeeze": _squeeze,
    "Concatenate": _concatenate,
    "Stack": _stack,
    "Cast": lambda x, dtype: cast(_tensor(x), tf_dtype(dtype)),
    "Relu": lambda x: act.relu(x),
    "Sigmoid": lambda x: act.sigmoid(x),
    "Softmax": lambda x, axis=-1: act.softmax(x, axis=axis),
    "Gelu": lambda x, approximate=True: act.gelu(x, approximate),
    "GetItem": _get_item,
    "Clip": _clip,
    "Sin": _float(tf.sin),
    "Cos": _float(tf.cos),
    "Floor": _float(tf.floor),
    "Ceil": _float(tf.math.ceil),
    "Sign": _unary(tf.sign),
    "Log1p": _float(tf.math.log1p),
    "Expm1": _float(tf.math.expm1),
    "Reciprocal": _unary(tf.math.reciprocal),
    "Round": lambda x, decimals=0: _round(x, decimals),
    "Argmax": _arg(tf.argmax),
    "Argmin": _arg(tf.argmin),
    "Var": _moments(False),
    "Std": _moments(True),
    "Cumsum": _cumsum,
    "Tile": lambda x, repeats: tf.tile(_tensor(x), repeats),
    "Repeat": _repeat,
    "Take": _take,
    "Flip": _flip,
    "Einsum": lambda *operands, subscripts: tf.einsum(subscripts, *promote(*operands)),
    "Erf": _float(tf.math.erf),
    "Rsqrt": _float(tf.math.rsqrt),
    "Softplus": lambda x: act.softplus(x),
    "Silu": lambda x: act.silu(x),
    "HardSigmoid": lambda x: act.hard_sigmoid(x),
    "LeakyRelu": lambda x, negative_slope=0.2: act.leaky_relu(x, negative_slope),
    "OneHot": _one_hot,
}


def _round(x: Any, decimals: int) -> Any:
    # np.round: half to even, at ``decimals`` places.
    x = _tensor(x)
    if decimals == 0:
        return tf.round(x)
    scale = tf.constant(10.0**decimals, x.dtype)
    return tf.round(x * scale) / scale


def _op_layer(fn: Callable[..., Any]) -> TFLayer:
    def call(ctx: TraceContext, layer: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs, **layer.params)

    return TFLayer(call)


#: Keras operation ``class_name`` -> translation. Read-only.
TF_OPS: Mapping[str, TFLayer] = MappingProxyType(
    {name: _op_layer(fn) for name, fn in _OP_FUNCTIONS.items()}
)


def _tf_binary(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    # TF_FUNCTIONS._binary: a Python scalar takes the dtype of x.
    def run(x: Any, y: Any, name: Any = None) -> Any:
        x = _tensor(x)
        if not is_tensor(y) and not isinstance(y, (list, tuple)):
            y = tf.constant(y, dtype=x.dtype)
        return binary(fn, x, y)

    return run


def _tf_unary(fn: Callable[[Any], Any]) -> Callable[..., Any]:
    return lambda x, name=None: fn(_tensor(x))


def _tf_reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Any:
        return _reduce(fn)(input_tensor, axis=axis, keepdims=keepdims)

    return run


#: tf function name (as tf-keras stores it) -> TensorFlow. Read-only.
TF_FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        "__operators__.add": _tf_binary(tf.add),
        "__operators__.sub": _tf_binary(tf.subtract),
        "__operators__.mul": _tf_binary(tf.multiply),
        "__operators__.truediv": _tf_binary(tf.divide),
        "math.add": _tf_binary(tf.add),
        "math.subtract": _tf_binary(tf.subtract),
        "math.multiply": _tf_binary(tf.multiply),
        "math.divide": _tf_binary(tf.divide),
        "math.truediv": _tf_binary(tf.divide),
        "math.maximum": _tf_binary(tf.maximum),
        "math.minimum": _tf_binary(tf.minimum),
        "math.pow": _tf_binary(tf.pow),
        "math.negative": _tf_unary(tf.negative),
        "math.abs": _tf_unary(tf.abs),
        "math.exp": _tf_unary(tf.exp),
        "math.log": _tf_unary(tf.math.log),
        "math.sqrt": _tf_unary(tf.sqrt),
        "math.square": _tf_unary(tf.square),
        "math.tanh": _tf_unary(tf.tanh),
        "math.sigmoid": _tf_unary(act.sigmoid),
        "nn.relu": _tf_unary(act.relu),
        "nn.softmax": lambda logits, axis=-1, name=None: act.softmax(logits, axis=axis),
        "math.reduce_mean": _tf_reduce(tf.reduce_mean),
        "math.reduce_sum": _tf_reduce(tf.reduce_sum),
        "math.reduce_max": _tf_reduce(tf.reduce_max),
        "math.reduce_min": _tf_reduce(tf.reduce_min),
        "reshape": lambda tensor, shape, name=None: tf.reshape(tensor, shape),
        "transpose": lambda a, perm=None, conjugate=False, name=None: tf.transpose(a, perm),
        "expand_dims": lambda input, axis, name=None: tf.expand_dims(input, axis),
        "concat": lambda values, axis, name=None: tf.concat(promote(*values), axis=axis),
        "cast": lambda x, dtype, name=None: cast(_tensor(x), tf_dtype(dtype)),
        "linalg.matmul": lambda a, b, name=None, **kw: binary(tf.matmul, a, b),
    }
)
