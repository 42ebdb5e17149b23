"""``PReLU`` (``keras/src/layers/activations/prelu.py``): ``relu(x) - alpha * relu(-x)``.

Weight: ``alpha`` of shape ``input_shape[1:]`` with 1 on ``shared_axes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime import constraints, initializers, regularizers
from reference_runtime.layers.layer import Layer

__all__ = ["PReLU"]


class PReLU(Layer):
    """Parametric ReLU with a learned slope per unit.

    Args:
        alpha_initializer: initializer of ``alpha`` (default zeros).
        shared_axes: axes (1-based, batch excluded) sharing one slope.
    """

    def __init__(
        self,
        alpha_initializer: Any = "Zeros",
        alpha_regularizer: Any = None,
        alpha_constraint: Any = None,
        shared_axes: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None or isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes) if shared_axes is not None else None
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape: Any) -> None:
        """Create ``alpha``."""
        shape = list(input_shape[1:])
        for i in self.shared_axes or []:
            shape[i - 1] = 1
        self.alpha = self.add_weight(
            name="alpha",
            shape=shape,
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )

    def call(self, inputs: Any) -> Any:
        x = np.asarray(inputs)
        zero = np.asarray(0, x.dtype)
        return np.maximum(x, zero) + (-self.alpha.value) * np.maximum(-x, zero)

    def get_config(self) -> dict[str, Any]:
        """Keras 3.15 PReLU config."""
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
