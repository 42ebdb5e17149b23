"""The EinsumDense projections attention layers build from their definition's sub-layer specs.

MultiHeadAttention and GroupQueryAttention create their projections in
``build`` (``keras/src/layers/attention/*``): each from the equation, output
shape, bias axes and activation of its :class:`~kformat.layers.SublayerSpec`,
with fresh copies of the parent's initializers (Keras clones them so no two
projections share one) and the parent's regularizers and constraints.
"""

from __future__ import annotations

from typing import Any

from kformat.layers import SublayerSpec
from reference_runtime.layers.einsum_dense import EinsumDense

__all__ = ["einsum_projection"]


def _fresh(initializer: Any) -> Any:
    return type(initializer).from_config(initializer.get_config())


def einsum_projection(
    spec: SublayerSpec,
    *,
    dtype: Any,
    kernel_initializer: Any,
    bias_initializer: Any,
    kernel_regularizer: Any,
    bias_regularizer: Any,
    kernel_constraint: Any,
    bias_constraint: Any,
) -> EinsumDense:
    """The built EinsumDense of ``spec``."""
    cfg = spec.config
    layer = EinsumDense(
        cfg["equation"],
        output_shape=cfg["output_shape"],
        bias_axes=cfg["bias_axes"],
        activation=cfg["activation"],
        name=spec.name,
        dtype=dtype,
        kernel_initializer=_fresh(kernel_initializer),
        bias_initializer=_fresh(bias_initializer),
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
    )
    layer.build(spec.input_shape)
    return layer
