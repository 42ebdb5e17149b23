"""``Flatten`` (``keras/src/layers/reshaping/flatten.py``).

``(batch, ...) -> (batch, prod(...))``; with ``data_format="channels_first"``
the channel axis is moved last first, so the element order matches.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reference_runtime.layers.layer import Layer

__all__ = ["Flatten"]


class Flatten(Layer):
    """Flatten all but the batch dimension.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"invalid data_format {data_format!r}")

    def call(self, inputs: Any) -> Any:
        x = np.asarray(inputs)
        if self.data_format == "channels_first" and x.ndim > 1:
            x = np.transpose(x, (0, *range(2, x.ndim), 1))
        return np.reshape(x, (x.shape[0], math.prod(x.shape[1:])))

    def get_config(self) -> dict[str, Any]:
        """``data_format``."""
        return {**super().get_config(), "data_format": self.data_format}
