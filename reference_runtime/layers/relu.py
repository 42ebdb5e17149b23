"""``ReLU`` layer (``keras/src/layers/activations/relu.py``): ``activations.relu`` with options."""

from __future__ import annotations

from typing import Any

from reference_runtime import activations
from reference_runtime.layers.layer import Layer

__all__ = ["ReLU"]


class ReLU(Layer):
    """Rectified linear unit with optional cap, slope and threshold.

    Args:
        max_value: upper cap (``None``: no cap).
        negative_slope: slope below the threshold.
        threshold: values below it are damped.
    """

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}"
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                f"negative_slope of a ReLU layer cannot be a negative value. Received: {negative_slope}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def get_config(self) -> dict[str, Any]:
        """``max_value``, ``negative_slope``, ``threshold``."""
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
