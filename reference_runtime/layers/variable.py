"""``Variable``: a named NumPy array owned by a layer (``keras/src/backend/common/variables.py``).

Inside a layer call under a mixed policy (compute dtype != variable dtype),
reading ``.value`` of an autocast float variable gives it in the compute
dtype, as Keras's ``AutocastScope`` does; ``numpy()`` always gives the stored
value.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import numpy as np

from reference_runtime._backend import as_dtype, is_float_dtype, standardize_dtype

__all__ = ["Variable", "autocast_scope"]

_AUTOCAST: contextvars.ContextVar[str | None] = contextvars.ContextVar("autocast", default=None)


@contextlib.contextmanager
def autocast_scope(dtype: str | None) -> Iterator[None]:
    """Within it, float variables with ``autocast=True`` read as ``dtype``."""
    token = _AUTOCAST.set(dtype)
    try:
        yield
    finally:
        _AUTOCAST.reset(token)


def current_autocast() -> str | None:
    """The dtype of the innermost :func:`autocast_scope`, if any."""
    return _AUTOCAST.get()


class Variable:
    """A named, shaped array.

    Args:
        value: initial value (copied).
        name: the Keras variable name (``kernel``).
        dtype: storage dtype (default: the value's).
        trainable: whether optimizers would update it.
        autocast: whether it is cast to the compute dtype inside calls.
        path: ``layer_name/variable_name``.
    """

    def __init__(
        self,
        value: Any,
        *,
        name: str,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        path: str | None = None,
        regularizer: Any = None,
        constraint: Any = None,
    ) -> None:
        arr = np.array(
            value, dtype=as_dtype(standardize_dtype(dtype)) if dtype is not None else None
        )
        self._value: np.ndarray[Any, Any] = arr
        self.name = name
        self.path = path or name
        self.trainable = trainable
        self.autocast = autocast
        self.regularizer = regularizer
        self.constraint = constraint

    @property
    def shape(self) -> tuple[int, ...]:
        """The variable's shape."""
        return tuple(self._value.shape)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._value.ndim

    @property
    def dtype(self) -> str:
        """Keras dtype name of the stored value."""
        return standardize_dtype(self._value.dtype)

    @property
    def value(self) -> np.ndarray[Any, Any]:
        """The value, cast to the autocast dtype when inside a mixed-policy call."""
        target = _AUTOCAST.get()
        if (
            target is not None
            and self.autocast
            and is_float_dtype(self._value.dtype)
            and standardize_dtype(self._value.dtype) != target
        ):
            cast: np.ndarray[Any, Any] = self._value.astype(as_dtype(target))
            return cast
        return self._value

    def numpy(self) -> np.ndarray[Any, Any]:
        """A copy of the stored value."""
        copy: np.ndarray[Any, Any] = np.array(self._value, copy=True)
        return copy

    def assign(self, value: Any) -> None:
        """Replace the value; the shape must match (Keras ``variable.assign``)."""
        arr = np.asarray(value)
        if arr.dtype.kind == "V" and arr.dtype.itemsize == 2 and self.dtype == "bfloat16":
            # Keras 3.0.0-3.0.4 stored bfloat16 as a bare 2-byte opaque type
            # (no dtype attribute); kformat hands it over as raw void data.
            arr = arr.view(as_dtype("bfloat16"))
        if arr.shape != self._value.shape:
            raise ValueError(
                "The shape of the target variable and the shape of the target value in "
                f"`variable.assign(value)` must match. variable.shape={self.shape}, "
                f"Received: value.shape={arr.shape}. Target variable: {self.path}"
            )
        self._value = arr.astype(self._value.dtype, copy=True)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
        value = self.value
        return value if dtype is None else value.astype(dtype)

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"

    # Arithmetic so custom layers can write ``x @ self.kernel + self.bias``.
    __array_priority__ = 100

    def __add__(self, o: Any) -> Any:
        return self.value + np.asarray(o)

    def __radd__(self, o: Any) -> Any:
        return np.asarray(o) + self.value

    def __sub__(self, o: Any) -> Any:
        return self.value - np.asarray(o)

    def __rsub__(self, o: Any) -> Any:
        return np.asarray(o) - self.value

    def __mul__(self, o: Any) -> Any:
        return self.value * np.asarray(o)

    def __rmul__(self, o: Any) -> Any:
        return np.asarray(o) * self.value

    def __truediv__(self, o: Any) -> Any:
        return self.value / np.asarray(o)

    def __rtruediv__(self, o: Any) -> Any:
        return np.asarray(o) / self.value

    def __matmul__(self, o: Any) -> Any:
        return self.value @ np.asarray(o)

    def __rmatmul__(self, o: Any) -> Any:
        return np.asarray(o) @ self.value

    def __pow__(self, o: Any) -> Any:
        return self.value ** np.asarray(o)

    def __neg__(self) -> Any:
        return -self.value

    def __getitem__(self, idx: Any) -> Any:
        return self.value[idx]
