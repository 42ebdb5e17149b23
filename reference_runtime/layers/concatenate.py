"""``Concatenate`` (``keras/src/layers/merging/concatenate.py``).

The output mask concatenates the input masks (missing ones all True, lower
rank ones broadcast over the last axis) and reduces the last axis with ``any``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime.layers._merge import Merge

__all__ = ["Concatenate"]


class Concatenate(Merge):
    """Concatenate a list of inputs along ``axis``.

    Args:
        axis: the concatenation axis (default -1).
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape: Any) -> None:
        """Check that a list of shapes was given."""
        if (
            not isinstance(input_shape, (list, tuple))
            or not input_shape
            or not isinstance(input_shape[0], (tuple, list))
        ):
            raise ValueError(
                f"A `Concatenate` layer should be called on a list of at least 1 input. Received: input_shape={input_shape}"
            )

    def _merge_function(self, inputs: list[Any]) -> Any:
        return np.concatenate(inputs, axis=self.axis)

    def call(self, inputs: Any) -> Any:
        return self._merge_function(list(inputs))

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """Concatenated masks reduced over the last axis."""
        if previous_mask is None or not isinstance(previous_mask, (list, tuple)):
            return None
        if all(m is None for m in previous_mask):
            return None
        masks = []
        for x, m in zip(inputs, previous_mask, strict=True):
            if m is None:
                masks.append(np.ones(np.shape(x), dtype=bool))
            elif np.ndim(m) < np.ndim(x):
                masks.append(
                    np.logical_or(np.expand_dims(m, -1), np.zeros(np.shape(x), dtype=bool))
                )
            else:
                masks.append(np.asarray(m))
        return np.any(np.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict[str, Any]:
        """``axis``."""
        return {**super().get_config(), "axis": self.axis}
