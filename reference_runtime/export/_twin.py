"""What a layer definition's TensorFlow twin is handed: :class:`TwinContext`.

``kformat.layers`` definitions never import TensorFlow; their ``tf_call(ctx,
layer, ...)`` reaches it through this context: ``ctx.tf`` is the module, and
the methods below apply the runtime's NumPy dtype rules (TensorFlow never
promotes, NumPy does) and its activations, so a twin computes what the NumPy
forward pass computes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from reference_runtime.export import _activations as act
from reference_runtime.export import _helpers
from reference_runtime.export._context import TraceContext, is_tensor, tf_dtype
from reference_runtime.export._graph import call_layer
from reference_runtime.export._ops import TF_FUNCTIONS

__all__ = ["TwinContext"]


class TwinContext(TraceContext):
    """A :class:`TraceContext` with the helpers layer twins use."""

    tf = tf
    #: the TensorFlow twins of the runtime activations (``relu``, ``softmax`` …)
    act = act

    def weight(self, layer: Any, name: str) -> Any:
        """Variable ``name`` of ``layer`` as its ``call`` reads it (autocast applied)."""
        return self.read(getattr(layer, name), layer)

    def resource(self, layer: Any, key: str, make: Callable[[], Any]) -> Any:
        """A TensorFlow resource of ``layer`` (a ``tf.lookup`` table) made once by
        ``make()`` outside the trace and tracked by the SavedModel."""
        return self.store.resource(layer, key, make)

    def call(self, layer: Any, *args: Any, **kwargs: Any) -> Any:
        """A sub-layer's translation applied to tensors, masks handled as for any layer."""
        return call_layer(self, layer, args, kwargs)

    def with_mask(self, x: Any, mask: Any) -> Any:
        """``x`` carrying ``mask`` (``None`` clears it), as ``BuiltLayer.with_mask``."""
        self.set_mask(x, mask)
        return x

    @staticmethod
    def tf_function(name: str) -> Any:
        """The TensorFlow function a tf-keras ``TFOpLambda`` names (``math.add``), or ``None``."""
        return TF_FUNCTIONS.get(name)

    def activate(self, layer: Any, x: Any) -> Any:
        """``x`` through ``layer.activation``."""
        return act.tf_activation(layer.activation, layer.name)(x)

    def call_layer(self, layer: Any, *args: Any, **kwargs: Any) -> Any:
        """A sub-layer's translation called on tensors, masks attached as for any
        layer (a wrapper's ``layer``)."""
        from reference_runtime.export._graph import call_layer

        return call_layer(self, layer, args, kwargs)

    @staticmethod
    def cast(x: Any, dtype: Any) -> Any:
        """``x`` as ``dtype`` (a Keras dtype name or ``tf.DType``)."""
        return _helpers.cast(x, dtype)

    @staticmethod
    def binary(fn: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
        """``fn(x, y)`` after NumPy promotion of the operands."""
        return _helpers.binary(fn, x, y)

    @staticmethod
    def result_dtype(*values: Any) -> Any:
        """``np.result_type`` of tensors and Python scalars, as a ``tf.DType``."""
        return _helpers.result_dtype(*values)

    @staticmethod
    def is_tensor(x: Any) -> bool:
        """Whether ``x`` is a tensor or variable."""
        return is_tensor(x)

    @staticmethod
    def dtype(name: Any) -> Any:
        """The ``tf.DType`` of a Keras dtype name."""
        return tf_dtype(name)

    @staticmethod
    def matmul(equation: str | None, x: Any, kernel: Any) -> Any:
        """``np.matmul`` (``equation=None``) or ``np.einsum`` as the runtime computes
        them: bfloat16 in float32, the result in NumPy's result dtype."""
        out_dtype = _helpers.result_dtype(x, kernel)
        compute = tf.float32 if tf.bfloat16 in (x.dtype, kernel.dtype) else out_dtype
        a, b = _helpers.cast(x, compute), _helpers.cast(kernel, compute)
        y = tf.matmul(a, b) if equation is None else tf.einsum(equation, a, b)
        return _helpers.cast(y, out_dtype)
