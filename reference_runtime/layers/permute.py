"""``Permute`` (``keras/src/layers/reshaping/permute.py``): transpose with ``(0, *dims)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime.layers.layer import Layer

__all__ = ["Permute"]


class Permute(Layer):
    """Permute the non-batch dimensions.

    Args:
        dims: a permutation of ``1..n`` (the batch dimension is not included).
    """

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}"
            )

    def call(self, inputs: Any) -> Any:
        return np.transpose(inputs, (0, *self.dims))

    def get_config(self) -> dict[str, Any]:
        """``dims``."""
        return {**super().get_config(), "dims": list(self.dims)}
