"""``Dropout`` (spec §5.9; ``keras/src/layers/regularization/dropout.py``).

Inference is the identity (the input object itself is returned, so its mask
stays attached).
"""

from __future__ import annotations

from typing import Any

from reference_runtime.layers.layer import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Identity at inference.

    Args:
        rate: fraction of units dropped during training, in ``[0, 1]``.
        noise_shape: optional shape of the dropout mask.
        seed: optional seed.
    """

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if training and self.rate > 0:
            from kformat.errors import UnsupportedFeatureError

            raise UnsupportedFeatureError("the NumPy runtime only runs inference (training=False)")
        return inputs

    def get_config(self) -> dict[str, Any]:
        """``rate``, ``seed``, ``noise_shape``."""
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }
