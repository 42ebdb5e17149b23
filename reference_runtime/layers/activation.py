"""``Activation`` (spec §5.10; ``keras/src/layers/activations/activation.py``)."""

from __future__ import annotations

from typing import Any

from reference_runtime import activations
from reference_runtime.layers.layer import Layer

__all__ = ["Activation"]


class Activation(Layer):
    """Apply an activation function.

    Args:
        activation: a Keras activation name or a function.
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def get_config(self) -> dict[str, Any]:
        """``activation`` as its name."""
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
