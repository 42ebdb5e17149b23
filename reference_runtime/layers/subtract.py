"""``Subtract`` merge layer: first input minus the second (``keras/src/layers/merging/subtract.py``)."""

from __future__ import annotations

from typing import Any

from reference_runtime.layers._merge import Merge

__all__ = ["Subtract"]


class Subtract(Merge):
    """Subtract the second of two inputs from the first."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        if len(inputs) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: inputs={inputs}"
            )
        return inputs[0] - inputs[1]
