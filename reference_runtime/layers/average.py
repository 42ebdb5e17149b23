"""``Average`` merge layer: mean of the inputs (``keras/src/layers/merging/average.py``)."""

from __future__ import annotations

from typing import Any

from reference_runtime.layers._merge import Merge

__all__ = ["Average"]


class Average(Merge):
    """Average a list of inputs element-wise."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)
