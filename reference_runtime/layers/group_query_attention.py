"""``GroupQueryAttention`` (spec §5.9; definition and forward pass in
``kformat/layers/grouped_query_attention.py``).

The runtime class adds what a definition cannot hold: the EinsumDense, Softmax
and Dropout sub-layers, built in Keras' order from the definition's sub-layer
specs and kept at the attributes Keras saves them under.
"""

from __future__ import annotations

from typing import Any

from kformat.layers.grouped_query_attention import GROUP_QUERY_ATTENTION
from reference_runtime.layers._defined import DefinedLayer, call_method, class_for, forward
from reference_runtime.layers._projections import einsum_projection
from reference_runtime.layers.einsum_dense import EinsumDense
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.softmax import Softmax

__all__ = ["GroupQueryAttention"]

Dropout = class_for("Dropout")


class GroupQueryAttention(DefinedLayer):
    """Grouped-query attention, inference only (Keras' ``GroupedQueryAttention``)."""

    definition = GROUP_QUERY_ATTENTION
    sublayers_from_config = False  # built in build() from the input shapes
    # Set from the definition's fields by DefinedLayer.__init__.
    num_query_heads: int
    num_key_value_heads: int
    dropout: float
    seed: int | None
    kernel_initializer: Any
    bias_initializer: Any
    kernel_regularizer: Any
    bias_regularizer: Any
    kernel_constraint: Any
    bias_constraint: Any
    _query_dense: EinsumDense
    _key_dense: EinsumDense
    _value_dense: EinsumDense
    _gate_dense: EinsumDense
    _output_dense: EinsumDense
    _softmax: Softmax
    _dropout_layer: DefinedLayer

    def __init__(self, *args: Any, flash_attention: Any = None, **kwargs: Any) -> None:
        names = ("head_dim", "num_query_heads", "num_key_value_heads")
        kwargs.update(zip(names, args, strict=False))
        super().__init__(**kwargs)
        if self.num_query_heads % self.num_key_value_heads:
            raise ValueError(
                "`num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                f"num_query_heads={self.num_query_heads}, "
                f"num_key_value_heads={self.num_key_value_heads}"
            )
        self.supports_masking = True

    query_dense = property(lambda self: self._query_dense, doc="Query projection.")
    key_dense = property(lambda self: self._key_dense, doc="Key projection.")
    value_dense = property(lambda self: self._value_dense, doc="Value projection.")
    gate_dense = property(lambda self: self._gate_dense, doc="Gate projection (use_gate).")
    output_dense = property(lambda self: self._output_dense, doc="Output projection.")
    softmax_layer = property(lambda self: self._softmax, doc="The masked softmax.")

    def build(  # type: ignore[override]  # Keras: build(query_shape, value_shape, key_shape)
        self, query_shape: Any, value_shape: Any, key_shape: Any = None
    ) -> None:
        """Create the sub-layers from the definition (Keras' creation order)."""
        shapes = {"query_shape": tuple(query_shape), "value_shape": tuple(value_shape)}
        if key_shape is not None:
            shapes["key_shape"] = tuple(key_shape)
        for spec in self.definition.sublayers(self.config_values(), shapes):
            layer: Layer
            if spec.class_name == "EinsumDense":
                layer = einsum_projection(
                    spec,
                    dtype=self.dtype_policy,
                    kernel_initializer=self.kernel_initializer,
                    bias_initializer=self.bias_initializer,
                    kernel_regularizer=self.kernel_regularizer,
                    bias_regularizer=self.bias_regularizer,
                    kernel_constraint=self.kernel_constraint,
                    bias_constraint=self.bias_constraint,
                )
            elif spec.class_name == "Softmax":
                layer = Softmax(axis=-1, dtype=self.dtype_policy)
            else:
                layer = Dropout(rate=self.dropout, dtype=self.dtype_policy, seed=self.seed)
            setattr(self, spec.attr, layer)

    # Keras' call(query, value, key=None, query_mask=None, …): the definition's forward pass.
    call = call_method(forward("GroupQueryAttention"))
