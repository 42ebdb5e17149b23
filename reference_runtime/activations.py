"""Every Keras activation by name, in NumPy (spec §5.10).

Formulas follow ``keras-team/keras: keras/src/activations/activations.py`` (the
public defaults) and ``keras/src/backend/numpy/nn.py`` (the math, computed in
the input's dtype). Names resolve through one read-only table,
:data:`ALL_OBJECTS_DICT`, with Keras's aliases ``swish -> silu`` and
``hard_swish -> hard_silu``.

Version difference: Keras 2 (tf-keras) ``hard_sigmoid`` is
``clip(0.2 x + 0.5, 0, 1)`` (``tf_keras/backend.py``) while Keras 3's is
``clip(x / 6 + 0.5, 0, 1)``. ``"hard_sigmoid"`` always names the Keras 3
function here; the loader rewrites the name in a Keras 2 file's config to
:func:`hard_sigmoid_keras2` (``reference_runtime/saving/_compat.py``), which
serializes as :data:`KERAS2_HARD_SIGMOID`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from reference_runtime._erf import erf as _erf
from reference_runtime._erf import erf_numpy as erf_numpy  # the Erf operation (ops.py)
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "ALL_OBJECTS_DICT",
    "celu",
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_sigmoid_keras2",
    "hard_silu",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "tanh",
    "tanh_shrink",
    "threshold",
]

Array = Any


def _arr(x: Any) -> np.ndarray[Any, Any]:
    a = np.asarray(x)
    return a if a.dtype.kind in "fV" or a.dtype.name == "bfloat16" else a.astype(np.float32)


def _c(value: float, x: np.ndarray[Any, Any]) -> Any:
    # Constants in the input dtype so float16/bfloat16 stay as they are
    # (numpy backend comments: Python floats would promote to float64).
    return np.array(value, dtype=x.dtype)


def relu(
    x: Array, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Array:
    """``max(x, 0)``; with options the general ReLU of ``activations.relu``."""
    x = _arr(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return np.maximum(x, _c(0.0, x))
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return leaky_relu(x, negative_slope)
    negative = 0.0
    if negative_slope != 0.0:
        negative = np.maximum(-x + _c(threshold, x), _c(0.0, x))
    y = (
        np.where(x > _c(threshold, x), x, _c(0.0, x))
        if threshold != 0
        else np.maximum(x, _c(0.0, x))
    )
    if max_value is not None:
        y = np.minimum(y, _c(max_value, x))
    if negative_slope != 0.0:
        y = y - _c(negative_slope, x) * negative
    return y.astype(x.dtype)


def leaky_relu(x: Array, negative_slope: float = 0.2) -> Array:
    """``max(x, slope * x)``."""
    x = _arr(x)
    return np.maximum(x, _c(negative_slope, x) * x)


def relu6(x: Array) -> Array:
    """``min(max(x, 0), 6)``."""
    x = _arr(x)
    return np.minimum(np.maximum(x, _c(0.0, x)), _c(6.0, x))


def softmax(x: Array, axis: int | tuple[int, ...] = -1) -> Array:
    """``exp(x - max) / sum(exp(x - max))`` along ``axis``."""
    x = _arr(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Array, axis: int = -1) -> Array:
    """``x - max - log(sum(exp(x - max)))``."""
    x = _arr(x)
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def elu(x: Array, alpha: float = 1.0) -> Array:
    """``x`` if ``x >= 0`` else ``alpha * expm1(x)``."""
    x = _arr(x)
    return np.where(x >= _c(0.0, x), x, _c(alpha, x) * np.expm1(x))


def selu(x: Array) -> Array:
    """Scaled ELU with the fixed SELU constants."""
    x = _arr(x)
    return _c(1.0507009873554804934193349852946, x) * elu(x, 1.6732632423543772848170429916717)


def celu(x: Array, alpha: float = 1.0) -> Array:
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``."""
    x = _arr(x)
    a = _c(alpha, x)
    return np.maximum(x, _c(0.0, x)) + a * np.expm1(np.minimum(x, _c(0.0, x)) / a)


def softplus(x: Array) -> Array:
    """``log(exp(x) + 1)`` computed as ``logaddexp(x, 0)``."""
    x = _arr(x)
    return np.logaddexp(x, _c(0.0, x))


def softsign(x: Array) -> Array:
    """``x / (1 + |x|)``."""
    x = _arr(x)
    return x / (_c(1.0, x) + np.abs(x))


def sigmoid(x: Array) -> Array:
    """``1 / (1 + exp(-x))``."""
    x = _arr(x)
    with np.errstate(over="ignore"):
        return _c(1.0, x) / (_c(1.0, x) + np.exp(-x))


def silu(x: Array) -> Array:
    """``x * sigmoid(x)`` (alias ``swish``)."""
    x = _arr(x)
    return x * sigmoid(x)


def tanh(x: Array) -> Array:
    """Hyperbolic tangent."""
    return np.tanh(_arr(x))


def gelu(x: Array, approximate: bool = False) -> Array:
    """Gaussian error linear unit; exact erf form unless ``approximate``."""
    x = _arr(x)
    if approximate:
        k = np.sqrt(2 / np.pi).astype(x.dtype)
        cdf = _c(0.5, x) * (
            _c(1.0, x) + np.tanh(k * (x + _c(0.044715, x) * (x**3).astype(x.dtype)))
        )
        return x * cdf
    calc = x.astype(np.float32) if x.dtype.name == "bfloat16" else x
    out = (
        calc
        * (_erf(calc / np.sqrt(2).astype(calc.dtype)) + 1).astype(calc.dtype)
        / np.array(2, calc.dtype)
    )
    return out.astype(x.dtype)


def apply_owned(fn: Callable[..., Any], x: np.ndarray[Any, Any]) -> Any:
    """``fn(x)`` for an array the caller just created and owns: the common
    activations then work in place instead of allocating temporaries (same
    values, bit for bit, as ``fn(x)``)."""
    if not (
        isinstance(x, np.ndarray)
        and x.flags.writeable
        and x.dtype.kind == "f"
        and x.dtype.itemsize >= 4
    ):
        return fn(x)
    if fn is linear:
        return x
    if fn is relu:
        return np.maximum(x, _c(0.0, x), out=x)
    if fn is gelu:
        # calc * (erf(calc / sqrt2) + 1) / 2, as gelu() computes it.
        t = np.divide(x, np.sqrt(2).astype(x.dtype))
        _erf(t, out=t)
        np.add(t, np.array(1, x.dtype), out=t)
        np.multiply(x, t, out=t)
        return np.divide(t, np.array(2, x.dtype), out=t)
    return fn(x)


def hard_sigmoid(x: Array) -> Array:
    """Keras 3: ``clip(x / 6 + 0.5, 0, 1)``."""
    x = _arr(x)
    y = x / _c(6.0, x) + _c(0.5, x)
    return np.where(y <= 0.0, _c(0.0, x), np.where(y >= 1.0, _c(1.0, x), y))


def hard_sigmoid_keras2(x: Array) -> Array:
    """Keras 2 (tf-keras): ``clip(0.2 x + 0.5, 0, 1)``."""
    x = _arr(x)
    return np.clip(_c(0.2, x) * x + _c(0.5, x), _c(0.0, x), _c(1.0, x))


def hard_silu(x: Array) -> Array:
    """``x * hard_sigmoid(x)`` (alias ``hard_swish``)."""
    x = _arr(x)
    return x * hard_sigmoid(x)


def exponential(x: Array) -> Array:
    """``exp(x)``."""
    return np.exp(_arr(x))


def linear(x: Array) -> Array:
    """The identity."""
    return x


def mish(x: Array) -> Array:
    """``x * tanh(softplus(x))``."""
    x = _arr(x)
    return x * np.tanh(softplus(x))


def log_sigmoid(x: Array) -> Array:
    """``-softplus(-x)``."""
    x = _arr(x)
    return -softplus(-x)


def hard_tanh(x: Array) -> Array:
    """``clip(x, -1, 1)``."""
    x = _arr(x)
    return np.clip(x, _c(-1.0, x), _c(1.0, x))


def hard_shrink(x: Array, threshold: float = 0.5) -> Array:
    """``x`` where ``|x| > threshold`` else 0."""
    x = _arr(x)
    return np.where(np.abs(x) > threshold, x, _c(0.0, x))


def soft_shrink(x: Array, threshold: float = 0.5) -> Array:
    """Shrink toward zero by ``threshold``."""
    x = _arr(x)
    t = _c(threshold, x)
    return np.where(x > t, x - t, np.where(x < -t, x + t, _c(0.0, x)))


def tanh_shrink(x: Array) -> Array:
    """``x - tanh(x)``."""
    x = _arr(x)
    return x - np.tanh(x)


def threshold(x: Array, threshold: float, default_value: float) -> Array:
    """``x`` where ``x > threshold`` else ``default_value``."""
    x = _arr(x)
    return np.where(x > threshold, x, _c(default_value, x))


def sparse_plus(x: Array) -> Array:
    """0 below -1, ``(x + 1)^2 / 4`` in between, ``x`` above 1."""
    x = _arr(x)
    return np.where(x <= -1, _c(0.0, x), np.where(x < 1, (0.25 * (x + 1) ** 2).astype(x.dtype), x))


def sparse_sigmoid(x: Array) -> Array:
    """0 below -1, ``(x + 1) / 2`` in between, 1 above 1."""
    x = _arr(x)
    return np.where(
        x <= -1, _c(0.0, x), np.where(x >= 1, _c(1.0, x), (0.5 * (x + 1)).astype(x.dtype))
    )


def squareplus(x: Array, b: float = 4) -> Array:
    """``(x + sqrt(x^2 + b)) / 2``."""
    x = _arr(x)
    return (x + np.sqrt(x**2 + _c(b, x))) / _c(2.0, x)


def glu(x: Array, axis: int = -1) -> Array:
    """Gated linear unit: first half times sigmoid of the second half."""
    x = _arr(x)
    a, b = np.split(x, 2, axis)
    return (a * sigmoid(b)).astype(x.dtype)


def sparsemax(x: Array, axis: int = -1) -> Array:
    """Euclidean projection onto the simplex (``nn.py`` ``sparsemax``)."""
    x = _arr(x)
    srt = -np.sort(-x, axis=axis)
    cums = np.cumsum(srt, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = np.arange(1, x.shape[axis] + 1).reshape(shape)
    support = srt - (cums - 1) / r > 0
    k = np.sum(support, axis=axis, keepdims=True)
    tau = (np.sum(np.where(support, cums, 0.0), axis=axis, keepdims=True) - 1) / k
    return np.maximum(x - tau, 0.0).astype(x.dtype)


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
#: Keras activation name -> function (``keras/src/activations/__init__.py``).
ALL_OBJECTS_DICT: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {**{f.__name__: f for f in _FUNCTIONS}, "swish": silu, "hard_swish": hard_silu}
)
_NAMES = {id(f): f.__name__ for f in _FUNCTIONS}
#: How a Keras 2 ``hard_sigmoid`` is written back: Keras 3 has no function
#: ``clip(0.2x + 0.5)``, so re-saving keeps the meaning under its own name,
#: which the runtime resolves and real Keras reports as an unknown function.
KERAS2_HARD_SIGMOID = "keras2>hard_sigmoid"


def get(identifier: Any) -> Callable[..., Any]:
    """An activation from ``None`` (linear), a name, a serialized dict or a callable.

    Raises:
        ValueError: an unknown name.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = ALL_OBJECTS_DICT.get(identifier)
        if fn is None:
            raise ValueError(f"unknown activation function {identifier!r}")
        return fn
    if isinstance(identifier, Mapping):
        found: Callable[..., Any] = deserialize(identifier)
        return found
    if callable(identifier):
        return identifier  # type: ignore[no-any-return]
    raise ValueError(f"cannot interpret {identifier!r} as an activation function")


def name_of(fn: Any) -> str | None:
    """The Keras name of a built-in activation function, else ``None``."""
    return _NAMES.get(id(fn))


def serialize(fn: Any) -> Any:
    """A built-in serializes to its bare name (``"relu"``), others like Keras objects."""
    name = name_of(fn)
    if name is not None:
        return name
    if fn is hard_sigmoid_keras2:
        return {
            "module": "builtins",
            "class_name": "function",
            "config": KERAS2_HARD_SIGMOID,
            "registered_name": "function",
        }
    return serialize_keras_object(fn)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """An activation from its serialized form (name, function dict, layer dict)."""
    if isinstance(config, str):
        return get(config)
    return deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )
