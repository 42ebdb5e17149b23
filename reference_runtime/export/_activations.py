"""Every runtime activation as TensorFlow ops (mirrors ``reference_runtime/activations.py``).

Each function follows the NumPy formula and dtype handling of the runtime
(constants in the input dtype, non-float inputs widened to float32), so the
exported graph computes what the NumPy reference computes. :func:`tf_activation`
maps a runtime activation *function* (what a layer holds after loading) to its
TensorFlow twin; the Keras 2 ``hard_sigmoid`` is a different function there and
therefore a different twin here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import tensorflow as tf

from kformat.errors import UnsupportedFeatureError
from reference_runtime import activations as rt_activations

__all__ = ["TF_ACTIVATIONS", "softmax", "tf_activation"]


def _arr(x: Any) -> Any:
    x = tf.convert_to_tensor(x)
    return x if x.dtype.is_floating else tf.cast(x, tf.float32)


def _c(value: float, x: Any) -> Any:
    return tf.constant(value, dtype=x.dtype)


def relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Any:
    x = _arr(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return tf.maximum(x, _c(0.0, x))
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return leaky_relu(x, negative_slope)
    negative: Any = 0.0
    if negative_slope != 0.0:
        negative = tf.maximum(-x + _c(threshold, x), _c(0.0, x))
    if threshold != 0:
        y = tf.where(x > _c(threshold, x), x, _c(0.0, x))
    else:
        y = tf.maximum(x, _c(0.0, x))
    if max_value is not None:
        y = tf.minimum(y, _c(max_value, x))
    if negative_slope != 0.0:
        y = y - _c(negative_slope, x) * negative
    return y


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    x = _arr(x)
    return tf.maximum(x, _c(negative_slope, x) * x)


def relu6(x: Any) -> Any:
    x = _arr(x)
    return tf.minimum(tf.maximum(x, _c(0.0, x)), _c(6.0, x))


def softmax(x: Any, axis: Any = -1) -> Any:
    x = _arr(x)
    axes = list(axis) if isinstance(axis, (list, tuple)) else axis
    e = tf.exp(x - tf.reduce_max(x, axis=axes, keepdims=True))
    return e / tf.reduce_sum(e, axis=axes, keepdims=True)


def log_softmax(x: Any, axis: int = -1) -> Any:
    x = _arr(x)
    m = tf.reduce_max(x, axis=axis, keepdims=True)
    return x - m - tf.math.log(tf.reduce_sum(tf.exp(x - m), axis=axis, keepdims=True))


def elu(x: Any, alpha: float = 1.0) -> Any:
    x = _arr(x)
    return tf.where(x >= _c(0.0, x), x, _c(alpha, x) * tf.math.expm1(x))


def selu(x: Any) -> Any:
    x = _arr(x)
    return _c(1.0507009873554804934193349852946, x) * elu(x, 1.6732632423543772848170429916717)


def celu(x: Any, alpha: float = 1.0) -> Any:
    x = _arr(x)
    a = _c(alpha, x)
    return tf.maximum(x, _c(0.0, x)) + a * tf.math.expm1(tf.minimum(x, _c(0.0, x)) / a)


def softplus(x: Any) -> Any:
    # np.logaddexp(x, 0): max(x, 0) + log1p(exp(-|x|)).
    x = _arr(x)
    return tf.maximum(x, _c(0.0, x)) + tf.math.log1p(tf.exp(-tf.abs(x)))


def softsign(x: Any) -> Any:
    x = _arr(x)
    return x / (_c(1.0, x) + tf.abs(x))


def sigmoid(x: Any) -> Any:
    x = _arr(x)
    return _c(1.0, x) / (_c(1.0, x) + tf.exp(-x))


def silu(x: Any) -> Any:
    x = _arr(x)
    return x * sigmoid(x)


def tanh(x: Any) -> Any:
    return tf.tanh(_arr(x))


def gelu(x: Any, approximate: bool = False) -> Any:
    x = _arr(x)
    if approximate:
        k = _c(math.sqrt(2 / math.pi), x)
        cdf = _c(0.5, x) * (_c(1.0, x) + tf.tanh(k * (x + _c(0.044715, x) * x**3)))
        return x * cdf
    calc = tf.cast(x, tf.float32) if x.dtype == tf.bfloat16 else x
    out = calc * (tf.math.erf(calc / _c(math.sqrt(2), calc)) + _c(1.0, calc)) / _c(2.0, calc)
    return tf.cast(out, x.dtype)


def hard_sigmoid(x: Any) -> Any:
    x = _arr(x)
    y = x / _c(6.0, x) + _c(0.5, x)
    return tf.where(y <= 0.0, _c(0.0, x), tf.where(y >= 1.0, _c(1.0, x), y))


def hard_sigmoid_keras2(x: Any) -> Any:
    x = _arr(x)
    return tf.clip_by_value(_c(0.2, x) * x + _c(0.5, x), _c(0.0, x), _c(1.0, x))


def hard_silu(x: Any) -> Any:
    x = _arr(x)
    return x * hard_sigmoid(x)


def exponential(x: Any) -> Any:
    return tf.exp(_arr(x))


def linear(x: Any) -> Any:
    return x


def mish(x: Any) -> Any:
    x = _arr(x)
    return x * tf.tanh(softplus(x))


def log_sigmoid(x: Any) -> Any:
    x = _arr(x)
    return -softplus(-x)


def hard_tanh(x: Any) -> Any:
    x = _arr(x)
    return tf.clip_by_value(x, _c(-1.0, x), _c(1.0, x))


def hard_shrink(x: Any, threshold: float = 0.5) -> Any:
    x = _arr(x)
    return tf.where(tf.abs(x) > _c(threshold, x), x, _c(0.0, x))


def soft_shrink(x: Any, threshold: float = 0.5) -> Any:
    x = _arr(x)
    t = _c(threshold, x)
    return tf.where(x > t, x - t, tf.where(x < -t, x + t, _c(0.0, x)))


def tanh_shrink(x: Any) -> Any:
    x = _arr(x)
    return x - tf.tanh(x)


def threshold(x: Any, threshold: float, default_value: float) -> Any:
    x = _arr(x)
    return tf.where(x > _c(threshold, x), x, _c(default_value, x))


def sparse_plus(x: Any) -> Any:
    x = _arr(x)
    one = _c(1.0, x)
    middle = _c(0.25, x) * (x + one) ** 2
    return tf.where(x <= -one, _c(0.0, x), tf.where(x < one, middle, x))


def sparse_sigmoid(x: Any) -> Any:
    x = _arr(x)
    one = _c(1.0, x)
    return tf.where(x <= -one, _c(0.0, x), tf.where(x >= one, one, _c(0.5, x) * (x + one)))


def squareplus(x: Any, b: float = 4) -> Any:
    x = _arr(x)
    return (x + tf.sqrt(x**2 + _c(b, x))) / _c(2.0, x)


def glu(x: Any, axis: int = -1) -> Any:
    x = _arr(x)
    a, b = tf.split(x, 2, axis=axis)
    return a * sigmoid(b)


def sparsemax(x: Any, axis: int = -1) -> Any:
    # The runtime divides by an int64 arange, so support and tau are float64 there.
    x = _arr(x)
    rank = x.shape.rank
    axis = axis % rank
    srt = tf.sort(x, axis=axis, direction="DESCENDING")
    cums = tf.cumsum(srt, axis=axis)
    n = tf.shape(x)[axis]
    r = tf.reshape(
        tf.range(1, n + 1, dtype=tf.float64), [-1 if i == axis else 1 for i in range(rank)]
    )
    support = tf.cast(srt, tf.float64) - (tf.cast(cums, tf.float64) - 1.0) / r > 0
    k = tf.reduce_sum(tf.cast(support, tf.float64), axis=axis, keepdims=True)
    total = tf.reduce_sum(tf.where(support, cums, tf.zeros_like(cums)), axis=axis, keepdims=True)
    tau = tf.cast(total - _c(1.0, x), tf.float64) / k
    out = tf.maximum(tf.cast(x, tf.float64) - tau, tf.constant(0.0, tf.float64))
    return tf.cast(out, x.dtype)


_FUNCTIONS: tuple[Callable[..., Any], ...] = (
    relu,
    leaky_relu,
    relu6,
    softmax,
    celu,
    elu,
    selu,
    softplus,
    softsign,
    squareplus,
    soft_shrink,
    sparse_plus,
    silu,
    gelu,
    glu,
    tanh,
    tanh_shrink,
    threshold,
    sigmoid,
    sparse_sigmoid,
    exponential,
    hard_sigmoid,
    hard_silu,
    hard_tanh,
    hard_shrink,
    linear,
    mish,
    log_softmax,
    log_sigmoid,
    sparsemax,
)

#: Keras activation name -> TensorFlow implementation. Read-only.
TF_ACTIVATIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {**{f.__name__: f for f in _FUNCTIONS}, "swish": silu, "hard_swish": hard_silu}
)


def tf_activation(fn: Any, owner: str) -> Callable[..., Any]:
    """The TensorFlow twin of runtime activation ``fn`` (used by layer ``owner``).

    Raises:
        UnsupportedFeatureError: ``fn`` is not a built-in activation.
    """
    if fn is rt_activations.hard_sigmoid_keras2:
        return hard_sigmoid_keras2
    name = rt_activations.name_of(fn)
    if name is None or name not in TF_ACTIVATIONS:
        raise UnsupportedFeatureError(
            f"layer {owner!r} uses activation {getattr(fn, '__name__', fn)!r}, which is not a "
            "built-in Keras activation: it cannot be exported to TensorFlow"
        )
    return TF_ACTIVATIONS[name]


def _check_complete() -> None:  # pragma: no cover - import-time guard
    missing = set(rt_activations.ALL_OBJECTS_DICT) - set(TF_ACTIVATIONS)
    if missing:
        raise ImportError(f"TensorFlow activations missing for {sorted(missing)}")


_check_complete()
