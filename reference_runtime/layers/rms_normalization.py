"""``RMSNormalization`` (Keras 3.9+, ``keras/src/layers/normalization/rms_normalization.py``).

``x * rsqrt(mean(x^2, axis) + epsilon) * scale``, computed in at least
float32 and cast back (``ops/nn.py`` ``_rms_normalization``). Weight: ``scale``.
"""

from __future__ import annotations

from typing import Any

from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer

__all__ = ["RMSNormalization"]

_CALL = forward("RMSNormalization")


class RMSNormalization(Layer):
    """Root-mean-square normalization.

    Args:
        axis: int or list of ints to normalize over.
        epsilon: added to the mean square.
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis: Any = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = epsilon

    def build(self, input_shape: Any) -> None:
        """Create ``scale`` over the normalized axes."""
        if isinstance(self.axis, list):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[d] for d in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")

    def call(self, inputs: Any) -> Any:
        return _CALL(self, inputs)

    def get_config(self) -> dict[str, Any]:
        """``axis``, ``epsilon``."""
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
