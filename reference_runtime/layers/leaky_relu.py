"""``LeakyReLU`` (``keras/src/layers/activations/leaky_relu.py``): ``max(x, slope*x)``.

The catalogue's class (``kformat/layers/relu.py``) plus Keras 3's reading of
the Keras 2 spelling ``alpha`` as ``negative_slope``.
"""

from __future__ import annotations

from typing import Any

from reference_runtime.layers._defined import class_for

__all__ = ["LeakyReLU"]


class LeakyReLU(class_for("LeakyReLU")):  # type: ignore[misc]
    """Leaky rectifier.

    Args:
        negative_slope: slope for negative inputs (default 0.3); ``alpha`` is
            accepted for it, as Keras 3 does.
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(negative_slope=negative_slope, **kwargs)
