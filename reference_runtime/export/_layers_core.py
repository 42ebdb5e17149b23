"""Core and activation layers in TensorFlow: InputLayer, EinsumDense, Embedding,
Dropout, Identity, Activation, ReLU, LeakyReLU, PReLU, Softmax, Lambda.

Each function mirrors ``call`` of the runtime layer of the same name
(``reference_runtime/layers/<name>.py``), reading the built layer's attributes
and weights; weights come through :class:`TraceContext` as ``tf.Variable``.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from kformat.errors import UnsupportedFeatureError
from reference_runtime.export import _activations as act
from reference_runtime.export._context import TFLayer, TraceContext, is_tensor
from reference_runtime.export._helpers import binary, cast, result_dtype

__all__ = ["CORE_LAYERS", "matmul_like_numpy"]


def _input_layer(ctx: TraceContext, layer: Any, *args: Any, **kwargs: Any) -> Any:
    return args[0] if args else None


def matmul_like_numpy(equation: str | None, x: Any, kernel: Any) -> Any:
    """``np.matmul`` (``equation=None``) or ``np.einsum``: bfloat16 computed in float32,
    the result in the NumPy result dtype of the operands."""
    out_dtype = result_dtype(x, kernel)
    compute = tf.float32 if tf.bfloat16 in (x.dtype, kernel.dtype) else out_dtype
    a, b = cast(x, compute), cast(kernel, compute)
    y = tf.matmul(a, b) if equation is None else tf.einsum(equation, a, b)
    return cast(y, out_dtype)


def _einsum_dense(ctx: TraceContext, layer: Any, inputs: Any, training: Any = None) -> Any:
    y = matmul_like_numpy(layer.equation, inputs, ctx.read(layer.kernel, layer))
    if layer.bias is not None:
        y = binary(tf.add, y, ctx.read(layer.bias, layer))
    return act.tf_activation(layer.activation, layer.name)(y)


def _embedding(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    idx = inputs
    if idx.dtype not in (tf.int32, tf.int64):
        idx = tf.cast(idx, tf.int32)
    return cast(tf.gather(ctx.stored(layer.embeddings), idx, axis=0), layer.compute_dtype)


def _embedding_mask(ctx: TraceContext, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    if not layer.mask_zero:
        return None
    return tf.not_equal(inputs, tf.zeros([], dtype=inputs.dtype))


def _lambda(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    try:
        fn = act.tf_activation(layer.function, layer.name)
    except UnsupportedFeatureError:
        raise UnsupportedFeatureError(
            f"Lambda layer {layer.name!r} runs the Python function "
            f"{getattr(layer.function, '__name__', layer.function)!r}, which has no TensorFlow "
            "translation (only built-in activations do); register one with "
            "reference_runtime.export.register_tf_layer"
        ) from None
    if not is_tensor(inputs):
        raise UnsupportedFeatureError(f"Lambda layer {layer.name!r} on a structure of inputs")
    return fn(inputs, **layer.arguments)


#: class_name -> translation, for this module's layers.
CORE_LAYERS: dict[str, TFLayer] = {
    "InputLayer": TFLayer(_input_layer),
    "EinsumDense": TFLayer(_einsum_dense),
    "Embedding": TFLayer(_embedding, _embedding_mask),
    "Lambda": TFLayer(_lambda),
}
