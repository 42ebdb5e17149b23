"""``Softmax`` layer (``keras/src/layers/activations/softmax.py``, Keras 3.13+ masking).

Masked positions are replaced by a large negative number before the softmax
(``-1e9``, ``-3e4`` for float16) and set to 0 after it, so a fully masked row
gives zeros. Several axes use ``exp(x - logsumexp(x, axes))``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime import activations
from reference_runtime.layers.layer import Layer

__all__ = ["Softmax", "large_negative_number"]


def large_negative_number(dtype: Any) -> Any:
    """``_large_negative_number``: -3e4 for float16, else -1e9, in ``dtype``."""
    dtype = np.dtype(dtype)
    return np.asarray(-3e4 if dtype == np.float16 else -1e9, dtype=dtype)


class Softmax(Layer):
    """Softmax over ``axis`` with an optional mask.

    Args:
        axis: an int or a tuple of ints.
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, list) else axis
        self.supports_masking = True
        self.built = True
        # The current Keras's masking; the loader gives a Softmax from a Keras 2
        # or Keras < 3.10 file that era's (saving/_compat.py Writer.apply).
        self._additive_masking = False
        self._keras2 = False
        self._zero_masked = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        x = np.asarray(inputs)
        if mask is not None:
            m = np.asarray(mask)
            if self._additive_masking:
                # (1 - mask) * large_negative, added (Keras 2, Keras 3.0-3.9).
                neg = large_negative_number(x.dtype)
                if self._keras2 and x.dtype == np.float16:
                    neg = np.asarray(np.finfo(np.float16).min, np.float16)
                x = x + (1.0 - m.astype(x.dtype)) * neg
            else:
                if m.dtype != np.bool_:
                    m = m > np.asarray(0.5, m.dtype)
                neg = large_negative_number(x.dtype)
                if self._keras2 and x.dtype == np.float16:
                    neg = np.asarray(np.finfo(np.float16).min, np.float16)
                x = np.where(m, x, neg)
        axis = self.axis
        if isinstance(axis, tuple) and len(axis) > 1:
            mx = np.max(x, axis=axis, keepdims=True)
            lse = mx + np.log(np.sum(np.exp(x - mx), axis=axis, keepdims=True))
            out = np.exp(x - lse)
        else:
            out = activations.softmax(x, axis=axis[0] if isinstance(axis, tuple) else axis)
        if mask is not None and self._zero_masked:
            out = np.where(m, out, np.asarray(0, out.dtype))
        return out

    def get_config(self) -> dict[str, Any]:
        """``axis``."""
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {**super().get_config(), "axis": axis}
