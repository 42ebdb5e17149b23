"""Keras 3 operations recorded in Functional configs (spec §5.3).

``keras.ops.add(x, 1.0)`` on symbolic tensors puts an *operation* entry in a
Functional config (``{"module": "keras.src.ops.numpy", "class_name": "Add"}``).
Operations run in the graph like layers but are not in ``model.layers`` and
own no H5 group. :data:`OPS` is the explicit, read-only table of the ones the
runtime implements in NumPy (``keras-team/keras: keras/src/ops/numpy.py``,
``core.py``, ``math.py``, ``nn.py``); anything else is refused by name.
The functions (``add``, ``not_equal``, ...) also build such nodes on symbolic
tensors, or compute directly on arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from reference_runtime import activations
from reference_runtime._backend import as_dtype
from reference_runtime.layers.layer import Layer

__all__ = ["OPS", "Operation"]


class Operation(Layer):
    """A stateless graph operation (not a layer of the model, never saved in H5)."""

    _params: ClassVar[tuple[str, ...]] = ()
    _module: ClassVar[str] = "keras.src.ops.numpy"
    _fn: ClassVar[Callable[..., Any]]

    def __init__(self, *args: Any, name: str | None = None, **kwargs: Any) -> None:
        params = dict(zip(self._params, args, strict=False))
        for key in list(kwargs):
            if key in self._params:
                params[key] = kwargs.pop(key)
        super().__init__(name=name, **kwargs)
        self.params = params
        self.built = True

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return type(self)._fn(*args, **kwargs, **self.params)

    def get_config(self) -> dict[str, Any]:
        """``{"name": ..., <op arguments>}`` as ``Operation.get_config``."""
        return {"name": self.name, **self.params}

    def get_build_config(self) -> None:
        """Operations have no ``build_config``."""
        return None


def _cast(x: Any, dtype: str) -> Any:
    return np.asarray(x).astype(as_dtype(dtype))


def _reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axis = tuple(axis) if isinstance(axis, list) else axis
        x = np.asarray(x)
        return np.asarray(fn(x, axis=axis, keepdims=keepdims)).astype(x.dtype)

    return run


def _get_item(x: Any, key: Any) -> Any:
    # GetItem: a list key is one index per axis (a tuple to NumPy, never fancy indexing).
    return np.asarray(x)[tuple(key) if isinstance(key, list) else key]


def _float(fn: Callable[..., Any]) -> Callable[..., Any]:
    # keras/src/backend/numpy/numpy.py: integer inputs of the float functions become floatx.
    def run(x: Any) -> Any:
        x = np.asarray(x)
        return fn(x if x.dtype.kind == "f" else x.astype(np.float32))

    return run


def _arg(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        x = np.asarray(x)
        if x.dtype.kind == "f" and x.ndim:
            # Keras orders -0.0 below 0.0 (numpy.py argmax/argmin).
            x = x.astype(np.result_type(x.dtype, np.float32))
            tiny = np.finfo(x.dtype).tiny
            x = np.where((x == 0.0) & np.signbit(x), -tiny, x)
        return np.asarray(fn(x, axis=axis, keepdims=keepdims)).astype(np.int32)

    return run


def _logical(fn: Callable[..., Any]) -> Callable[..., Any]:
    # ops.any / ops.all: a boolean result whatever the input dtype.
    def run(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axis = tuple(axis) if isinstance(axis, list) else axis
        return np.asarray(fn(np.asarray(x), axis=axis, keepdims=keepdims))

    return run


def _var(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    x = np.asarray(x)
    axis = tuple(axis) if isinstance(axis, list) else axis
    compute = np.result_type(x.dtype, np.float32)
    return np.var(x, axis=axis, keepdims=keepdims, dtype=compute).astype(compute)


def _std(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    x = np.asarray(x)
    axis = tuple(axis) if isinstance(axis, list) else axis
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    return np.std(x, axis=axis, keepdims=keepdims)


def _cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    x = np.asarray(x)
    out = as_dtype(dtype) if dtype is not None else x.dtype
    return np.cumsum(x, axis=axis, dtype=np.int32 if out == np.bool_ else out)


def _clip(x: Any, x_min: Any, x_max: Any) -> Any:
    x = np.asarray(x)
    return np.clip(x, x_min, x_max).astype(np.int32 if x.dtype == np.bool_ else x.dtype)


def _einsum(*operands: Any, subscripts: str) -> Any:
    arrays = [np.asarray(o) for o in operands]
    out = np.result_type(*arrays)
    return np.einsum(subscripts, *arrays).astype(out)


def _one_hot(
    x: Any, num_classes: int, axis: int = -1, dtype: Any = "float32", sparse: bool = False
) -> Any:
    x = np.asarray(x)
    flat = x.reshape(-1).astype(np.int64)
    if flat.size and int(flat.max()) >= num_classes:
        raise ValueError(f"index {int(flat.max())} is out of range for {num_classes} classes")
    hot = np.zeros((flat.size, num_classes), as_dtype(dtype or "float32"))
    valid = flat >= 0
    hot[np.nonzero(valid)[0], flat[valid]] = 1
    hot = hot.reshape(*x.shape, num_classes)
    return hot if axis == -1 else np.moveaxis(hot, -1, axis)


_SPECS: dict[str, tuple[str, Callable[..., Any], tuple[str, ...]]] = {
    # class_name: (module, numpy function, constructor parameters)
    "Add": ("numpy", np.add, ()),
    "Subtract": ("numpy", np.subtract, ()),
    "Multiply": ("numpy", np.multiply, ()),
    "Divide": ("numpy", np.true_divide, ()),
    "TrueDivide": ("numpy", np.true_divide, ()),
    "Power": ("numpy", np.power, ()),
    "Maximum": ("numpy", np.maximum, ()),
    "Minimum": ("numpy", np.minimum, ()),
    "Equal": ("numpy", np.equal, ()),
    "NotEqual": ("numpy", np.not_equal, ()),
    "Greater": ("numpy", np.greater, ()),
    "GreaterEqual": ("numpy", np.greater_equal, ()),
    "Less": ("numpy", np.less, ()),
    "LessEqual": ("numpy", np.less_equal, ()),
    "LogicalAnd": ("numpy", np.logical_and, ()),
    "LogicalOr": ("numpy", np.logical_or, ()),
    "LogicalNot": ("numpy", np.logical_not, ()),
    "Matmul": ("numpy", np.matmul, ()),
    "Negative": ("numpy", np.negative, ()),
    "Absolute": ("numpy", np.abs, ()),
    "Abs": ("numpy", np.abs, ()),
    "Exp": ("numpy", np.exp, ()),
    "Log": ("numpy", np.log, ()),
    "Sqrt": ("numpy", np.sqrt, ()),
    "Square": ("numpy", np.square, ()),
    "Tanh": ("numpy", np.tanh, ()),
    "Where": ("numpy", np.where, ()),
    "Mean": ("numpy", _reduce(np.mean), ("axis", "keepdims")),
    "Sum": ("numpy", _reduce(np.sum), ("axis", "keepdims")),
    "Max": ("numpy", _reduce(np.max), ("axis", "keepdims")),
    "Min": ("numpy", _reduce(np.min), ("axis", "keepdims")),
    # Functional configs hold the mask a Masking layer computes as NotEqual + Any
    "Any": ("numpy", _logical(np.any), ("axis", "keepdims")),
    "All": ("numpy", _logical(np.all), ("axis", "keepdims")),
    "Reshape": ("numpy", lambda x, newshape: np.reshape(x, newshape), ("newshape",)),
    "Transpose": ("numpy", lambda x, axes=None: np.transpose(x, axes), ("axes",)),
    "ExpandDims": ("numpy", lambda x, axis: np.expand_dims(x, axis), ("axis",)),
    "Squeeze": ("numpy", lambda x, axis=None: np.squeeze(x, axis), ("axis",)),
    "Concatenate": ("numpy", lambda xs, axis=0: np.concatenate(xs, axis=axis), ("axis",)),
    "Stack": ("numpy", lambda xs, axis=0: np.stack(xs, axis=axis), ("axis",)),
    "Cast": ("core", _cast, ("dtype",)),
    "Relu": ("nn", activations.relu, ()),
    "Sigmoid": ("nn", activations.sigmoid, ()),
    "Softmax": ("nn", lambda x, axis=-1: activations.softmax(x, axis=axis), ("axis",)),
    "Gelu": ("nn", lambda x, approximate=True: activations.gelu(x, approximate), ("approximate",)),
    "GetItem": ("numpy", _get_item, ()),
    "Clip": ("numpy", _clip, ("x_min", "x_max")),
    "Sin": ("numpy", _float(np.sin), ()),
    "Cos": ("numpy", _float(np.cos), ()),
    "Floor": ("numpy", _float(np.floor), ()),
    "Ceil": ("numpy", _float(np.ceil), ()),
    "Sign": ("numpy", np.sign, ()),
    "Log1p": ("numpy", _float(np.log1p), ()),
    "Expm1": ("numpy", _float(np.expm1), ()),
    "Reciprocal": ("numpy", np.reciprocal, ()),
    "Round": ("numpy", lambda x, decimals=0: np.round(x, decimals=decimals), ("decimals",)),
    "Argmax": ("numpy", _arg(np.argmax), ("axis", "keepdims")),
    "Argmin": ("numpy", _arg(np.argmin), ("axis", "keepdims")),
    "Var": ("numpy", _var, ("axis", "keepdims")),
    "Std": ("numpy", _std, ("axis", "keepdims")),
    "Cumsum": ("numpy", _cumsum, ("axis", "dtype")),
    "Tile": ("numpy", lambda x, repeats: np.tile(x, repeats), ("repeats",)),
    "Repeat": (
        "numpy",
        lambda x, repeats, axis=None: np.repeat(x, repeats, axis),
        ("repeats", "axis"),
    ),
    "Take": ("numpy", lambda x, indices, axis=None: np.take(x, indices, axis=axis), ("axis",)),
    "Flip": ("numpy", lambda x, axis=None: np.flip(x, axis=axis), ("axis",)),
    "Einsum": ("numpy", _einsum, ("subscripts",)),
    "Erf": ("math", _float(activations.erf_numpy), ()),
    "Rsqrt": ("math", _float(lambda x: 1.0 / np.sqrt(x)), ()),
    "Softplus": ("nn", activations.softplus, ()),
    "Silu": ("nn", activations.silu, ()),
    "HardSigmoid": ("nn", activations.hard_sigmoid, ()),
    "LeakyRelu": (
        "nn",
        lambda x, negative_slope=0.2: activations.leaky_relu(x, negative_slope),
        ("negative_slope",),
    ),
    "OneHot": ("nn", _one_hot, ("num_classes", "axis", "dtype", "sparse")),
}

#: Keras operation ``class_name`` -> runtime implementation. Read-only.
OPS: Mapping[str, type[Operation]] = MappingProxyType(
    {
        name: type(
            name,
            (Operation,),
            {
                "_fn": staticmethod(fn),
                "_params": params,
                "_module": f"keras.src.ops.{module}",
                "__doc__": f"Keras operation ``{name}`` (``keras.src.ops.{module}``).",
            },
        )
        for name, (module, fn, params) in _SPECS.items()
    }
)


def _wrap(class_name: str) -> Callable[..., Any]:
    def op(*args: Any, **kwargs: Any) -> Any:
        return OPS[class_name](
            **{k: kwargs.pop(k) for k in list(kwargs) if k in OPS[class_name]._params}
        )(*args, **kwargs)

    op.__name__ = class_name.lower()
    return op


add = _wrap("Add")
subtract = _wrap("Subtract")
multiply = _wrap("Multiply")
divide = _wrap("Divide")
not_equal = _wrap("NotEqual")
equal = _wrap("Equal")
matmul = _wrap("Matmul")
mean = _wrap("Mean")
cast = _wrap("Cast")
