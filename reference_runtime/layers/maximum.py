"""``Maximum`` merge layer: element-wise maximum (``keras/src/layers/merging/maximum.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime.layers._merge import Merge

__all__ = ["Maximum"]


class Maximum(Merge):
    """Element-wise maximum of a list of inputs (masked entries ignored)."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        return self._or_masks_op(np.maximum, inputs)
