"""``Reshape`` (``keras/src/layers/reshaping/reshape.py``): ``(batch, *target_shape)``, one ``-1`` allowed."""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime.layers.layer import Layer

__all__ = ["Reshape"]


class Reshape(Layer):
    """Reshape all but the batch dimension.

    Args:
        target_shape: the new shape without the batch dimension.
    """

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(
                f"There can be at most one -1 in target_shape, got {self.target_shape}"
            )
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = np.asarray(inputs)
        return np.reshape(x, (x.shape[0], *self.target_shape))

    def get_config(self) -> dict[str, Any]:
        """``target_shape``."""
        return {**super().get_config(), "target_shape": list(self.target_shape)}
