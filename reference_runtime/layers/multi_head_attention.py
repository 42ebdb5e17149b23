"""``MultiHeadAttention`` (spec §5.9; ``keras/src/layers/attention/multi_head_attention.py``).

The projections are :class:`EinsumDense` sub-layers built from
:mod:`kformat.layer_specs` (the same table the validator uses): ``query``,
``key``, ``value`` (``(D, N, H)`` kernels), optional sigmoid ``gate`` and
``attention_output`` (``(N, Hv, Do)``), saved at ``query_dense`` …
(``_query_dense`` … in Keras 3.0.0-3.0.2 and tf-keras).

The forward pass and its TensorFlow twin are the catalogue's
(``kformat/layers/multi_head_attention.py``); this class builds the
sub-layers and keeps the older writers' options.
"""

from __future__ import annotations

from typing import Any

from kformat import layer_specs
from kformat.layers.multi_head_attention import attention_equations
from reference_runtime import constraints, initializers, regularizers
from reference_runtime.layers._defined import call_method, class_for, forward
from reference_runtime.layers._projections import einsum_projection
from reference_runtime.layers.einsum_dense import EinsumDense
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.softmax import Softmax

__all__ = ["MultiHeadAttention"]

Dropout = class_for("Dropout")


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al.), inference only.

    Args:
        num_heads: number of heads ``N``.
        key_dim: size of each query/key head ``H``.
        value_dim: size of each value head (default ``key_dim``).
        dropout: attention dropout rate (identity at inference).
        use_bias: whether projections have biases.
        output_shape: output size(s) without batch and sequence dims.
        attention_axes: axes attention runs over (default: all but batch, heads, features).
        sliding_window: attend only to ``|i - j| < sliding_window``.
        use_gate: gate the attention output with ``sigmoid(gate_dense(query))``.
    """

    _query_dense: EinsumDense
    _key_dense: EinsumDense
    _value_dense: EinsumDense
    _output_dense: EinsumDense
    _gate_dense: EinsumDense
    _softmax: Softmax
    _dropout_layer: Any
    _attention_axes: tuple[int, ...] | None

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: Any = None,
        attention_axes: Any = None,
        sliding_window: int | None = None,
        flash_attention: Any = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        # tf-keras configs also carry the build shapes (tf_keras MultiHeadAttention.get_config).
        legacy = {
            k: kwargs.pop(k) for k in ("query_shape", "key_shape", "value_shape") if k in kwargs
        }
        # tf-keras 2.17+: Softmax(robust_masking=...) selects where-masking.
        self._softmax_robust_masking = bool(kwargs.pop("softmax_robust_masking", False))
        # The masking of the file's writer, set by the loader (saving/_compat.py
        # Writer.apply); None: the current Keras's.
        self._softmax_masking: dict[str, bool] | None = None
        super().__init__(**kwargs)
        if not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError(
                f"Received an invalid value for argument `num_heads`, expected a positive integer. Received: num_heads={num_heads}"
            )
        if not isinstance(key_dim, int) or key_dim <= 0:
            raise ValueError(
                f"Received an invalid value for argument `key_dim`, expected a positive integer. Received: key_dim={key_dim}"
            )
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape = output_shape or None
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self._attention_axes = tuple(attention_axes) if attention_axes else None
        self._sliding_window = sliding_window
        self.seed = seed
        if legacy.get("query_shape") and legacy.get("value_shape"):
            self.build(
                tuple(legacy["query_shape"]),
                tuple(legacy["value_shape"]),
                tuple(legacy["key_shape"]) if legacy.get("key_shape") else None,
            )

    num_heads = property(lambda self: self._num_heads, doc="Number of heads.")
    key_dim = property(lambda self: self._key_dim, doc="Query/key head size.")
    value_dim = property(lambda self: self._value_dim, doc="Value head size.")
    attention_axes = property(lambda self: self._attention_axes, doc="Attention axes.")
    query_dense = property(lambda self: self._query_dense, doc="Query projection.")
    key_dense = property(lambda self: self._key_dense, doc="Key projection.")
    value_dense = property(lambda self: self._value_dense, doc="Value projection.")
    output_dense = property(lambda self: self._output_dense, doc="Output projection.")
    dropout = property(lambda self: self._dropout, doc="Attention dropout rate.")
    use_bias = property(lambda self: self._use_bias, doc="Whether projections have biases.")
    use_gate = property(lambda self: self._use_gate, doc="Whether the output is gated.")
    sliding_window = property(
        lambda self: self._sliding_window, doc="Attend only to ``|i - j| < sliding_window``."
    )

    def sublayer(self, name: str) -> Layer:
        """The built sub-layer with Keras name ``name`` (``query``, ``gate``, ``softmax``...).

        A method, not attributes: the ``gate`` and ``softmax`` sub-layers are saved
        under their private attribute names (spec §6.7), and a public attribute
        holding them would add H5 paths.
        """
        found = {
            "query": "_query_dense",
            "key": "_key_dense",
            "value": "_value_dense",
            "attention_output": "_output_dense",
            "gate": "_gate_dense",
            "softmax": "_softmax",
            "dropout": "_dropout_layer",
        }.get(name)
        layer = self.__dict__.get(found) if found else None
        if not isinstance(layer, Layer):
            raise KeyError(f"{self.name!r} has no built sub-layer {name!r}")
        return layer

    def _config_dict(self) -> dict[str, Any]:
        return {
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
        }

    def build(self, query_shape: Any, value_shape: Any, key_shape: Any = None) -> None:
        """Create the EinsumDense sub-layers from :func:`kformat.layer_specs.layer_spec`."""
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        shapes = {
            "query_shape": tuple(query_shape),
            "value_shape": tuple(value_shape),
            "key_shape": tuple(key_shape),
        }
        spec = layer_specs.layer_spec("MultiHeadAttention", self._config_dict(), shapes)
        subs = {s.attr.lstrip("_"): s for s in spec.sublayers if s.weighted}
        # Same creation order as Keras (query, key, gate, value, output) so
        # layer.weights lists them in Keras's order.
        for attr in ("query_dense", "key_dense", "gate_dense", "value_dense"):
            if attr in subs:
                setattr(self, "_" + attr, self._einsum(subs[attr]))
        rank = len(query_shape) + 1
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(
                a if a >= 0 else (rank - 1) + a for a in self._attention_axes
            )
        _, _, scores_rank = attention_equations(rank, self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._set_softmax_masking(self._softmax_masking)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype_policy, seed=self.seed)
        self._output_dense = self._einsum(subs["output_dense"])

    def _einsum(self, sub: layer_specs.SublayerSpec) -> EinsumDense:
        return einsum_projection(
            sub,
            dtype=self.dtype_policy,
            kernel_initializer=self._kernel_initializer,
            bias_initializer=self._bias_initializer,
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint,
        )

    def _set_softmax_masking(self, masking: dict[str, bool] | None) -> None:
        """Use ``masking`` (``Softmax`` attributes) for the softmax of the scores."""
        self._softmax_masking = masking
        softmax = self.__dict__.get("_softmax")
        if softmax is None:
            return  # built later, with this masking
        if masking is not None:
            vars(softmax).update(masking)
        if self._softmax_robust_masking:
            softmax._additive_masking = False
            softmax._zero_masked = False

    # Keras' call(query, value, key=None, query_mask=None, …): the definition's forward pass.
    call = call_method(forward("MultiHeadAttention"))

    def get_config(self) -> dict[str, Any]:
        """Keras 3.15 MultiHeadAttention config."""
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": list(self._output_shape) if self._output_shape else None,
            "attention_axes": list(self._attention_axes) if self._attention_axes else None,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        }
