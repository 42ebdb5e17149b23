"""Shared base of the merge layers (``keras/src/layers/merging/base_merge.py``).

Inputs of different ranks are expanded at axis 1 until ranks agree; the
default output mask ORs the input masks (``None`` if any is missing).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime._backend import get_keras_mask, set_keras_mask
from reference_runtime.layers.layer import Layer

__all__ = ["Merge"]


class Merge(Layer):
    """Base class: subclasses define ``_merge_function(inputs)``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        """Shape validation only."""
        if (
            not isinstance(input_shape, (list, tuple))
            or not input_shape
            or not isinstance(input_shape[0], (tuple, list))
        ):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: input_shape={input_shape}"
            )
        self._reshape_required = len({len(s) for s in input_shape}) != 1

    def _merge_function(self, inputs: list[Any]) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: inputs={inputs}"
            )
        if getattr(self, "_reshape_required", False):
            ranks = [np.ndim(x) for x in inputs]
            top = max(ranks)
            expanded = []
            for x in inputs:
                mask = get_keras_mask(x)
                for _ in range(top - np.ndim(x)):
                    x = np.expand_dims(x, 1)
                if mask is not None:
                    x = set_keras_mask(x, mask)
                expanded.append(x)
            inputs = expanded
        return self._merge_function(list(inputs))

    def _or_masks_op(self, op: Any, inputs: list[Any]) -> Any:
        # _apply_merge_op_and_or_mask: Maximum/Minimum with masks.
        output = None
        output_mask = None
        for x in inputs:
            mask = get_keras_mask(x)
            if mask is not None:
                mask = np.broadcast_to(np.expand_dims(mask, -1), np.shape(x))
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = np.where(mask, x, output)
            if output_mask is not None:
                output = np.where(output_mask, output, x)
            output_mask = (
                np.logical_or(output_mask, mask)
                if mask is not None and output_mask is not None
                else None
            )
            output = op(output, x)
        if output_mask is not None:
            output = set_keras_mask(output, np.any(output_mask, axis=-1))
        return output

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """OR of the input masks, ``None`` if any input has none."""
        if previous_mask is None:
            return None
        if not isinstance(previous_mask, (list, tuple)) or any(m is None for m in previous_mask):
            return None
        out = previous_mask[0]
        for m in previous_mask[1:]:
            out = np.logical_or(out, m)
        return out
