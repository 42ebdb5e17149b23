"""``Add`` merge layer: sum of the inputs (``keras/src/layers/merging/add.py``)."""

from __future__ import annotations

from typing import Any

from reference_runtime.layers._merge import Merge

__all__ = ["Add"]


class Add(Merge):
    """Add a list of inputs element-wise."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output
