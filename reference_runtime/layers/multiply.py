"""``Multiply`` merge layer (``keras/src/layers/merging/multiply.py``).

With masks on every input, masked entries count as 1 in the product, the
result is zeroed where no input is valid, and the output mask is the OR of
the masks reduced over the last axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime._backend import get_keras_mask, set_keras_mask
from reference_runtime.layers._merge import Merge

__all__ = ["Multiply"]


class Multiply(Merge):
    """Multiply a list of inputs element-wise."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        masks = [get_keras_mask(x) for x in inputs]
        has_mask = all(m is not None for m in masks)
        output: Any = None
        output_mask: Any = None
        for x, mask in zip(inputs, masks, strict=True):
            if mask is not None:
                mask = np.broadcast_to(np.expand_dims(mask, -1), np.shape(x))
                x = np.where(mask, x, np.asarray(1, np.asarray(x).dtype))
                if has_mask:
                    output_mask = mask if output_mask is None else np.logical_or(output_mask, mask)
            output = x if output is None else output * x
        if has_mask:
            output = np.where(output_mask, output, np.asarray(0, output.dtype))
            output = set_keras_mask(output, np.any(output_mask, axis=-1))
        return output
