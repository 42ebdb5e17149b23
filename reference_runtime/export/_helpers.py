"""NumPy dtype rules for TensorFlow tensors, shared by the layer translations.

TensorFlow never promotes dtypes; NumPy does. The runtime's results carry NumPy's
promotions (``float32 + python float`` stays float32, ``bfloat16 @ bfloat16``
is computed in float32 ...), so the bridge casts explicitly with these helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from reference_runtime.export._context import is_tensor, tf_dtype

__all__ = ["binary", "cast", "np_dtype", "promote", "result_dtype"]


def np_dtype(x: Any) -> Any:
    """The NumPy dtype of a tensor or a ``tf.DType``."""
    dtype = x.dtype if is_tensor(x) else x
    return np.dtype(tf.as_dtype(dtype).as_numpy_dtype)


def cast(x: Any, dtype: Any) -> Any:
    """``x`` as ``dtype`` (a Keras dtype name or ``tf.DType``); no op when it already is."""
    target = tf_dtype(dtype) if isinstance(dtype, str) else tf.as_dtype(dtype)
    x = tf.convert_to_tensor(x)
    return x if x.dtype == target else tf.cast(x, target)


def result_dtype(*values: Any) -> Any:
    """``np.result_type`` of tensors and Python scalars (scalars are weak, NEP 50)."""
    parts = [np_dtype(v) if is_tensor(v) else v for v in values]
    return tf.as_dtype(np.result_type(*parts))


def promote(*values: Any) -> list[Any]:
    """Every value cast to the NumPy result dtype of all of them."""
    target = result_dtype(*values)
    return [cast(v, target) if is_tensor(v) else tf.constant(v, dtype=target) for v in values]


def binary(fn: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    """``fn(x, y)`` after NumPy promotion of the two operands."""
    a, b = promote(x, y)
    return fn(a, b)
