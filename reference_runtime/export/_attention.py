"""``MultiHeadAttention`` in TensorFlow (mirrors ``reference_runtime/layers/multi_head_attention.py``).

Everything the runtime supports: query/value/key masks from the inputs (then
cleared in place, as Keras does), ``attention_mask``, ``use_causal_mask``,
``sliding_window``, ``use_gate``, ``attention_axes`` (the einsum path with the
layer's Softmax), ``return_attention_scores``, ``value_dim``/``output_shape``
and mixed precision. The projections are the layer's own EinsumDense sub-layers,
called through the graph module like any layer.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from reference_runtime.export._context import TFLayer, TraceContext
from reference_runtime.export._helpers import cast, result_dtype

__all__ = ["ATTENTION_LAYERS"]


def _sub(ctx: TraceContext, layer: Any, x: Any) -> Any:
    return ctx.call_layer(layer, (x,), {})


def _and(a: Any, b: Any) -> Any:
    return b if a is None else tf.logical_and(a, b)


def _attention_mask(
    layer: Any,
    query: Any,
    value: Any,
    query_mask: Any,
    value_mask: Any,
    key_mask: Any,
    attention_mask: Any,
    use_causal_mask: bool,
) -> Any:
    # _compute_attention_mask: q[:, :, None] & v[:, None, :] & k[:, None, :] & causal & window.
    auto = None
    if query_mask is not None:
        auto = tf.expand_dims(cast(query_mask, tf.bool), -1)
    for m in (value_mask, key_mask):
        if m is not None:
            auto = _and(auto, tf.expand_dims(cast(m, tf.bool), -2))
    t, s = tf.shape(query)[1], tf.shape(value)[1]
    rows = tf.reshape(tf.range(t), (1, -1, 1))
    cols = tf.reshape(tf.range(s), (1, 1, -1))
    if use_causal_mask:
        auto = _and(auto, rows >= cols)
    if layer._sliding_window is not None:
        auto = _and(auto, tf.abs(rows - cols) < layer._sliding_window)
    if attention_mask is not None:
        attention_mask = cast(attention_mask, tf.bool)
    if auto is not None:
        attention_mask = auto if attention_mask is None else tf.logical_and(attention_mask, auto)
    return attention_mask


def _large_negative(dtype: Any) -> Any:
    # keras/src/backend/numpy/nn.py _get_large_negative
    value = 65500.0 if dtype == tf.float16 else 3.38953e38
    return tf.constant(value * -0.7, dtype=dtype)


def _dot_product_attention(layer: Any, q: Any, k: Any, v: Any, mask: Any) -> Any:
    # keras/src/backend/numpy/nn.py _dot_product_attention_xla, as the runtime computes it.
    original = k.dtype
    logits_dtype = result_dtype(q, tf.constant(0, tf.float32))
    compute = tf.float32 if tf.bfloat16 in (q.dtype, k.dtype) else q.dtype
    logits = tf.einsum("BTNH,BSNH->BNTS", cast(q, compute), cast(k, compute))
    logits = cast(logits, logits_dtype)
    logits = logits * tf.constant(layer._inverse_sqrt_key_dim, logits.dtype)
    if mask is not None:
        while mask.shape.rank < 4:
            mask = tf.expand_dims(mask, -3)
        logits = tf.where(mask, logits, _large_negative(logits.dtype))
    logits = cast(logits, tf.float32)
    e = tf.exp(logits - tf.reduce_max(logits, axis=-1, keepdims=True))
    probs = cast(e / tf.reduce_sum(e, axis=-1, keepdims=True), original)
    if probs.dtype == tf.bfloat16:
        probs, v = cast(probs, tf.float32), cast(v, tf.float32)
    return cast(tf.einsum("BNTS,BSNH->BTNH", probs, cast(v, probs.dtype)), original)


def _compute_attention(
    ctx: TraceContext, layer: Any, q: Any, k: Any, v: Any, mask: Any, return_scores: bool
) -> tuple[Any, Any]:
    if not (layer._dropout > 0.0 or return_scores or q.shape.rank != 4):
        return _dot_product_attention(layer, q, k, v, mask), None
    q = q * tf.constant(layer._inverse_sqrt_key_dim, q.dtype)
    scores = tf.einsum(layer._dot_product_equation, k, q)
    if mask is not None:
        axes = layer._attention_axes or ()
        for _ in range(scores.shape.rank - mask.shape.rank):
            mask = tf.expand_dims(mask, -len(axes) * 2 - 1)
    scores = ctx.call_layer(layer._softmax, (scores,), {"mask": mask})
    return tf.einsum(layer._combine_equation, scores, v), scores


def _multi_head_attention(
    ctx: TraceContext,
    layer: Any,
    query: Any,
    value: Any,
    key: Any = None,
    query_mask: Any = None,
    value_mask: Any = None,
    key_mask: Any = None,
    attention_mask: Any = None,
    return_attention_scores: bool = False,
    training: Any = None,
    use_causal_mask: bool = False,
) -> Any:
    if key is None:
        key = value
    # As the runtime (and Keras): the query mask is read from the tensor and the
    # input masks are cleared in place; later consumers of these tensors see none.
    query_mask = ctx.mask(query)
    for t in (query, value, key):
        ctx.set_mask(t, None)
    mask = _attention_mask(
        layer, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
    )
    gate = _sub(ctx, layer._gate_dense, query) if layer._use_gate else None
    q = _sub(ctx, layer._query_dense, query)
    k = _sub(ctx, layer._key_dense, key)
    v = _sub(ctx, layer._value_dense, value)
    out, scores = _compute_attention(ctx, layer, q, k, v, mask, return_attention_scores)
    out = _sub(ctx, layer._output_dense, out * gate if gate is not None else out)
    if query_mask is not None:
        ctx.set_mask(out, query_mask)
    if return_attention_scores:
        return out, scores
    return out


#: class_name -> translation, for this module's layers.
ATTENTION_LAYERS: dict[str, TFLayer] = {
    "MultiHeadAttention": TFLayer(_multi_head_attention),
}
