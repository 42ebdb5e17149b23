"""``Embedding`` (``keras/src/layers/core/embedding.py``).

``embeddings[inputs]`` (indices cast to int32 unless int32/int64), cast to the
compute dtype; with ``mask_zero`` the output mask is ``inputs != 0``. The
layer does not autocast. Weight: ``embeddings (input_dim, output_dim)``.
"""

from __future__ import annotations

from typing import Any

from kformat.errors import UnsupportedFeatureError
from kformat.layers.embedding import compute_mask as _MASK
from reference_runtime import constraints, initializers, regularizers
from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer

__all__ = ["Embedding"]

_CALL = forward("Embedding")


class Embedding(Layer):
    """Turn integer indices into dense vectors.

    Args:
        input_dim: vocabulary size.
        output_dim: vector size.
        mask_zero: whether index 0 is padding (produces a mask).
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        input_length = kwargs.pop("input_length", None)  # Keras 2 key, ignored by Keras 3 too
        del input_length
        super().__init__(**kwargs)
        if quantization_config is not None:
            raise UnsupportedFeatureError("quantized Embedding layers are not supported")
        self.input_dim = input_dim
        self.output_dim = output_dim
        init = "random_uniform" if embeddings_initializer == "uniform" else embeddings_initializer
        self.embeddings_initializer = initializers.get(init)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha
        if weights is not None:
            self.build()
            self.set_weights(list(weights) if isinstance(weights, (list, tuple)) else [weights])

    def build(self, input_shape: Any = None) -> None:
        """Create ``embeddings``."""
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            trainable=True,
        )

    def call(self, inputs: Any) -> Any:
        return _CALL(self, inputs)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        """``inputs != 0`` when ``mask_zero``."""
        return _MASK(self, inputs, previous_mask)

    def get_config(self) -> dict[str, Any]:
        """Keras 3.15 Embedding config."""
        config = {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config
