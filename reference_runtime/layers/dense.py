"""``Dense`` (spec §5.9; ``keras/src/layers/core/dense.py``).

``y = activation(x @ kernel + bias)``; for inputs of rank > 2 the matmul
contracts the last axis. Weights: ``kernel (input_dim, units)``, ``bias (units,)``.
"""

from __future__ import annotations

from typing import Any

from kformat.errors import UnsupportedFeatureError
from kformat.layers.dense import call as dense_call
from reference_runtime import activations, constraints, initializers, regularizers
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.variable import Variable

__all__ = ["Dense"]


class Dense(Layer):
    """Densely connected layer.

    Args:
        units: output size.
        activation: activation name or function (default linear).
        use_bias: whether to add a bias.
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if quantization_config is not None:
            raise UnsupportedFeatureError("quantized Dense layers are not supported")
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        # LoRA factors are never saved: the file holds the merged kernel (spec §6.8).
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        """Create ``kernel`` and ``bias``."""
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias: Variable | None = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs: Any) -> Any:
        return dense_call(self, inputs)

    def get_config(self) -> dict[str, Any]:
        """Keras 3.15 Dense config."""
        config = {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config
