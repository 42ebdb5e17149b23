"""``Dot`` merge layer (``keras/src/layers/merging/dot.py``): batched dot product of two inputs.

Contracts axis ``axes[0]`` of the first input with ``axes[1]`` of the second,
sharing the batch axis (``batch_dot``); two rank-2 inputs give ``(batch, 1)``.
With ``normalize`` both inputs are first L2-normalized as
``x * min(rsqrt(sum(x^2)), 1/1e-7)`` (``ops/nn.py`` ``_normalize``).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from reference_runtime._einsum import contract
from reference_runtime.layers._merge import Merge

__all__ = ["Dot"]


def _l2_normalize(x: Any, axis: int) -> Any:
    x = np.asarray(x)
    inv = 1.0 / np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True))
    return x * np.minimum(inv, np.asarray(1e7, x.dtype)).astype(x.dtype)


def batch_dot(x: Any, y: Any, axes: tuple[int, int]) -> Any:
    """Keras's ``batch_dot`` written as one einsum."""
    x, y = np.asarray(x), np.asarray(y)
    letters = iter(string.ascii_letters[1:])
    xs = ["a"] + [next(letters) for _ in range(x.ndim - 1)]
    ys = ["a"] + [next(letters) for _ in range(y.ndim - 1)]
    ys[axes[1]] = xs[axes[0]]
    out = [xs[0]] + [c for i, c in enumerate(xs) if i not in (0, axes[0])]
    out += [c for i, c in enumerate(ys) if i not in (0, axes[1])]
    result = contract(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
    return np.expand_dims(result, 1) if result.ndim == 1 else result


class Dot(Merge):
    """Dot product between two inputs along ``axes``.

    Args:
        axes: an int or a pair of ints (axes of the first and second input).
        normalize: L2-normalize both inputs first (cosine similarity).
    """

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axes = axes if isinstance(axes, int) else tuple(axes)
        self.normalize = normalize

    def build(self, input_shape: Any) -> None:
        """Check that two shapes were given."""
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={input_shape}"
            )

    def _merge_function(self, inputs: list[Any]) -> Any:
        if len(inputs) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}"
            )
        x1, x2 = np.asarray(inputs[0]), np.asarray(inputs[1])
        if isinstance(self.axes, int):
            axes = (
                (self.axes % x1.ndim, self.axes % x2.ndim)
                if self.axes < 0
                else (self.axes, self.axes)
            )
        else:
            axes = (self.axes[0] % x1.ndim, self.axes[1] % x2.ndim)
        if self.normalize:
            x1, x2 = _l2_normalize(x1, axes[0]), _l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def call(self, inputs: Any) -> Any:
        return self._merge_function(list(inputs))

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """Dot outputs carry no mask."""
        return None

    def get_config(self) -> dict[str, Any]:
        """``axes``, ``normalize``."""
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}
