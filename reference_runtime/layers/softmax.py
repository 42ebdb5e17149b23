"""``Softmax`` layer (``keras/src/layers/activations/softmax.py``).

The forward pass is the catalogue's (``kformat/layers/softmax.py``). This
class adds the masking of older writers: a Softmax loaded from a Keras 2 or
Keras < 3.10 file masks as that Keras did (additive masking, no zeroing;
Keras 2 fills float16 with ``finfo(float16).min``).
"""

from __future__ import annotations

from typing import Any

from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer

__all__ = ["Softmax"]

_CALL = forward("Softmax")


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

    @property
    def additive_masking(self) -> bool:
        """Masked logits get ``(1 - mask) * large_negative`` added (Keras 2, Keras 3.0-3.9)."""
        return bool(self._additive_masking)

    @property
    def zero_masked(self) -> bool:
        """Masked outputs are set to 0 after the softmax (Keras 3.10+)."""
        return bool(self._zero_masked)

    @property
    def float16_min_fill(self) -> bool:
        """float16 masked logits are ``finfo(float16).min`` (Keras 2)."""
        return bool(self._keras2)

    def call(self, inputs: Any, mask: Any = None) -> Any:
        return _CALL(self, inputs, mask)

    def get_config(self) -> dict[str, Any]:
        """``axis``."""
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {**super().get_config(), "axis": axis}
