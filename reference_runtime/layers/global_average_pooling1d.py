"""``GlobalAveragePooling1D`` (``keras/src/layers/pooling/global_average_pooling1d.py``).

Mean over the steps axis; with a mask, the masked steps are left out of the
mean. The output carries no mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime.layers.layer import Layer

__all__ = ["GlobalAveragePooling1D"]


class GlobalAveragePooling1D(Layer):
    """Average over time steps.

    Args:
        data_format: ``"channels_last"`` (steps on axis 1) or ``"channels_first"``.
        keepdims: keep the reduced axis with length 1.
    """

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.keepdims = keepdims
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        x = np.asarray(inputs)
        steps = 1 if self.data_format == "channels_last" else 2
        if mask is None:
            return np.mean(x, axis=steps, keepdims=self.keepdims).astype(x.dtype)
        m = np.expand_dims(np.asarray(mask, bool), 2 if self.data_format == "channels_last" else 1)
        total = np.sum(np.where(m, x, np.asarray(0, x.dtype)), axis=steps, keepdims=self.keepdims)
        count = np.sum(m.astype(x.dtype), axis=steps, keepdims=self.keepdims)
        return total / count

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """Pooling removes the mask."""
        return None

    def get_config(self) -> dict[str, Any]:
        """``data_format``, ``keepdims``."""
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}
