"""``LeakyReLU`` (``keras/src/layers/activations/leaky_relu.py``): ``max(x, slope*x)``.

Keras 2 configs spell the slope ``alpha``; Keras 3 accepts that alias too.
"""

from __future__ import annotations

from typing import Any

from reference_runtime import activations
from reference_runtime.layers.layer import Layer

__all__ = ["LeakyReLU"]


class LeakyReLU(Layer):
    """Leaky rectifier.

    Args:
        negative_slope: slope for negative inputs (default 0.3).
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"The negative_slope value of a Leaky ReLU layer cannot be None or negative, got {negative_slope}"
            )
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        """``negative_slope``."""
        return {**super().get_config(), "negative_slope": self.negative_slope}
