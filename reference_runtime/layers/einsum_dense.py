"""``EinsumDense`` (spec §5.9; ``keras/src/layers/core/einsum_dense.py``).

``y = activation(einsum(equation, x, kernel) + bias)``. Kernel and bias shapes
come from :func:`kformat.layer_specs.einsum_weight_shapes`, the same rule the
validator checks files with.
"""

from __future__ import annotations

from typing import Any

from kformat.errors import UnsupportedFeatureError
from kformat.layer_specs import einsum_weight_shapes
from reference_runtime import activations, constraints, initializers, regularizers
from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.variable import Variable

__all__ = ["EinsumDense"]

_CALL = forward("EinsumDense")


class EinsumDense(Layer):
    """A dense layer written as an einsum.

    Args:
        equation: ``"<input>,<kernel>-><output>"``, optionally with ``...``.
        output_shape: the output shape without the batch dimension (``None``
            entries are taken from the input).
        activation: activation name or function.
        bias_axes: output letters that get a bias, or ``None``.
    """

    def __init__(
        self,
        equation: str,
        output_shape: Any,
        activation: Any = None,
        bias_axes: str | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        gptq_unpacked_column_size: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if quantization_config is not None:
            raise UnsupportedFeatureError("quantized EinsumDense layers are not supported")
        self.equation = equation
        self.partial_output_shape = (
            (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        )
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha
        self.bias: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """Create ``kernel`` (and ``bias``) from the equation."""
        kernel, bias, _ = einsum_weight_shapes(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=kernel,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if bias is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=bias,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs: Any, training: Any = None) -> Any:
        return _CALL(self, inputs, training)

    def get_config(self) -> dict[str, Any]:
        """Keras 3.15 EinsumDense config."""
        config = {
            **super().get_config(),
            "output_shape": list(self.partial_output_shape),
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config
