"""``Minimum`` merge layer: element-wise minimum (``keras/src/layers/merging/minimum.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime.layers._merge import Merge

__all__ = ["Minimum"]


class Minimum(Merge):
    """Element-wise minimum of a list of inputs (masked entries ignored)."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        return self._or_masks_op(np.minimum, inputs)
