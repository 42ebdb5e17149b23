"""``Identity`` (``keras/src/layers/core/identity.py``): returns its input unchanged."""

from __future__ import annotations

from typing import Any

from reference_runtime.layers.layer import Layer

__all__ = ["Identity"]


class Identity(Layer):
    """Return the input (masks pass through)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs
