"""``TFOpLambda``: tf-keras wrappers of TensorFlow functions (``tf_keras/layers/core/tf_op_layer.py``).

tf-keras records ``x + 1`` or ``tf.math.multiply(a, b)`` on symbolic tensors
as ``TFOpLambda`` layers naming the function (``"__operators__.add"``,
``"math.multiply"``). Only the names in :data:`TF_FUNCTIONS` — an explicit
table of NumPy equivalents — are accepted; no TensorFlow, no lookup by name
in any module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from kformat.errors import UnsupportedFeatureError
from reference_runtime import activations
from reference_runtime._backend import as_dtype
from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer

__all__ = ["TF_FUNCTIONS", "TFOpLambda"]

_CALL = forward("TFOpLambda")


def _binary(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def run(x: Any, y: Any, name: Any = None) -> Any:
        x = np.asarray(x)
        return fn(x, np.asarray(y, dtype=x.dtype) if np.isscalar(y) else y)

    return run


def _unary(fn: Callable[[Any], Any]) -> Callable[..., Any]:
    return lambda x, name=None: fn(np.asarray(x))


def _reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Any:
        axis = tuple(axis) if isinstance(axis, list) else axis
        x = np.asarray(input_tensor)
        return np.asarray(fn(x, axis=axis, keepdims=keepdims)).astype(x.dtype)

    return run


#: tf function name (as tf-keras stores it) -> NumPy implementation. Read-only.
TF_FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        "__operators__.add": _binary(np.add),
        "__operators__.sub": _binary(np.subtract),
        "__operators__.mul": _binary(np.multiply),
        "__operators__.truediv": _binary(np.true_divide),
        "math.add": _binary(np.add),
        "math.subtract": _binary(np.subtract),
        "math.multiply": _binary(np.multiply),
        "math.divide": _binary(np.true_divide),
        "math.truediv": _binary(np.true_divide),
        "math.maximum": _binary(np.maximum),
        "math.minimum": _binary(np.minimum),
        "math.pow": _binary(np.power),
        "math.negative": _unary(np.negative),
        "math.abs": _unary(np.abs),
        "math.exp": _unary(np.exp),
        "math.log": _unary(np.log),
        "math.sqrt": _unary(np.sqrt),
        "math.square": _unary(np.square),
        "math.tanh": _unary(np.tanh),
        "math.sigmoid": _unary(activations.sigmoid),
        "nn.relu": _unary(activations.relu),
        "nn.softmax": lambda logits, axis=-1, name=None: activations.softmax(logits, axis=axis),
        "math.reduce_mean": _reduce(np.mean),
        "math.reduce_sum": _reduce(np.sum),
        "math.reduce_max": _reduce(np.max),
        "math.reduce_min": _reduce(np.min),
        "reshape": lambda tensor, shape, name=None: np.reshape(tensor, shape),
        "transpose": lambda a, perm=None, conjugate=False, name=None: np.transpose(a, perm),
        "expand_dims": lambda input, axis, name=None: np.expand_dims(input, axis),
        "concat": lambda values, axis, name=None: np.concatenate(values, axis=axis),
        "cast": lambda x, dtype, name=None: np.asarray(x).astype(as_dtype(dtype)),
        "linalg.matmul": lambda a, b, name=None, **kw: np.matmul(a, b),
    }
)


class TFOpLambda(Layer):
    """A tf-keras TensorFlow-function layer, run with its NumPy equivalent.

    Args:
        function: the tf function name (``"math.multiply"``).
    """

    def __init__(self, function: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if function not in TF_FUNCTIONS:
            raise UnsupportedFeatureError(
                f"TFOpLambda function tf.{function} has no NumPy equivalent in the runtime "
                f"(supported: {', '.join(sorted(TF_FUNCTIONS))})"
            )
        self.function = function
        self.built = True

    @property
    def numpy_function(self) -> Callable[..., Any]:
        """The NumPy equivalent of the named TensorFlow function."""
        return TF_FUNCTIONS[self.function]

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return _CALL(self, *args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        """``function`` plus the base config."""
        return {**super().get_config(), "function": self.function}
