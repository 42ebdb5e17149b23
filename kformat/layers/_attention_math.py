"""The attention arithmetic MultiHeadAttention and GroupQueryAttention share.

* :func:`np_attention_mask` / :func:`tf_attention_mask` — ``_compute_attention_mask``
  of both layers (``keras/src/layers/attention/multi_head_attention.py``,
  ``grouped_query_attention.py``): the query mask as ``[B, T, 1]``, value and
  key masks as ``[B, 1, S]``, the causal mask ``i >= j``, the sliding window
  ``|i - j| < w`` and an explicit ``attention_mask``, ANDed.
* :func:`np_dot_product_attention` / :func:`tf_dot_product_attention` — Keras'
  fused path on the NumPy backend (``keras/src/backend/numpy/nn.py``
  ``_dot_product_attention_xla``): logits in at least float32, masked logits
  ``-0.7 * finfo.max``, the softmax in float32, the result in the key's dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "AttentionMasks",
    "large_negative",
    "np_attention_mask",
    "np_dot_product_attention",
    "tf_attention_mask",
    "tf_dot_product_attention",
]

#: (query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
AttentionMasks = tuple[Any, Any, Any, Any, bool]


def large_negative(dtype: Any) -> float:
    """``_get_large_negative`` of the NumPy backend."""
    return (65500.0 if dtype == np.float16 else 3.38953e38) * -0.7


def np_attention_mask(query: Any, value: Any, masks: AttentionMasks, window: int | None) -> Any:
    """The combined boolean mask ``[B|1, T, S]``, or ``None`` when nothing masks."""
    query_mask, value_mask, key_mask, attention_mask, causal = masks
    auto = None
    if query_mask is not None:
        auto = np.expand_dims(np.asarray(query_mask, bool), -1)
    for m in (value_mask, key_mask):
        if m is not None:
            m = np.expand_dims(np.asarray(m, bool), -2)
            auto = m if auto is None else auto & m
    t, s = np.shape(query)[1], np.shape(value)[1]
    rows = np.arange(t).reshape(1, t, 1)
    cols = np.arange(s).reshape(1, 1, s)
    if causal:
        auto = rows >= cols if auto is None else auto & (rows >= cols)
    if window is not None:
        band = np.abs(rows - cols) < window
        auto = band if auto is None else auto & band
    if attention_mask is not None:
        attention_mask = np.asarray(attention_mask).astype(bool)
    if auto is not None:
        attention_mask = auto if attention_mask is None else attention_mask & auto
    return attention_mask


def tf_attention_mask(
    ctx: Any, query: Any, value: Any, masks: AttentionMasks, window: int | None
) -> Any:
    """TensorFlow twin of :func:`np_attention_mask`."""
    tf = ctx.tf
    query_mask, value_mask, key_mask, attention_mask, causal = masks

    def both(a: Any, b: Any) -> Any:
        return b if a is None else tf.logical_and(a, b)

    auto = None
    if query_mask is not None:
        auto = tf.expand_dims(ctx.cast(query_mask, tf.bool), -1)
    for m in (value_mask, key_mask):
        if m is not None:
            auto = both(auto, tf.expand_dims(ctx.cast(m, tf.bool), -2))
    t, s = tf.shape(query)[1], tf.shape(value)[1]
    rows = tf.reshape(tf.range(t), (1, -1, 1))
    cols = tf.reshape(tf.range(s), (1, 1, -1))
    if causal:
        auto = both(auto, rows >= cols)
    if window is not None:
        auto = both(auto, tf.abs(rows - cols) < window)
    if attention_mask is not None:
        attention_mask = ctx.cast(attention_mask, tf.bool)
    if auto is not None:
        attention_mask = auto if attention_mask is None else tf.logical_and(attention_mask, auto)
    return attention_mask


def np_dot_product_attention(
    einsum: Callable[[str, Any, Any], Any],
    q: Any,
    k: Any,
    v: Any,
    mask: Any,
    scale: float,
    is_causal: bool = False,
) -> Any:
    """``softmax(q k^T * scale) v`` over ``(B, T|S, N, H)`` tensors, as Keras' fused path."""
    original = k.dtype
    logits_dtype = np.promote_types(q.dtype, np.float32)
    if original.name == "bfloat16":
        k, v = k.astype(np.float32), v.astype(np.float32)
    logits = einsum("BTNH,BSNH->BNTS", q, k).astype(logits_dtype, copy=False)
    logits *= np.asarray(scale, dtype=logits.dtype)
    if mask is not None:
        while mask.ndim < 4:
            mask = np.expand_dims(mask, -3)
    if is_causal:
        tril = np.tril(np.ones(logits.shape[-2:], bool))[None, None]
        mask = tril if mask is None else mask & tril
    if mask is not None:
        logits = np.where(mask, logits, np.asarray(large_negative(logits.dtype), logits.dtype))
    logits = logits.astype(np.float32, copy=False)
    # softmax over S, in place on the fresh logits buffer (same arithmetic).
    e = np.subtract(logits, np.max(logits, axis=-1, keepdims=True), out=logits)
    np.exp(e, out=e)
    probs = np.divide(e, np.sum(e, axis=-1, keepdims=True), out=e).astype(original, copy=False)
    if probs.dtype.name == "bfloat16":
        probs, v = probs.astype(np.float32), v.astype(np.float32)
    return einsum("BNTS,BSNH->BTNH", probs, v).astype(original, copy=False)


def tf_dot_product_attention(
    ctx: Any, q: Any, k: Any, v: Any, mask: Any, scale: float, is_causal: bool = False
) -> Any:
    """TensorFlow twin of :func:`np_dot_product_attention`."""
    tf = ctx.tf
    original = k.dtype
    logits_dtype = ctx.result_dtype(q, tf.constant(0, tf.float32))
    compute = tf.float32 if tf.bfloat16 in (q.dtype, k.dtype) else q.dtype
    logits = tf.einsum("BTNH,BSNH->BNTS", ctx.cast(q, compute), ctx.cast(k, compute))
    logits = ctx.cast(logits, logits_dtype)
    logits = logits * tf.constant(scale, logits.dtype)
    if mask is not None:
        while mask.shape.rank < 4:
            mask = tf.expand_dims(mask, -3)
    if is_causal:
        t, s = tf.shape(logits)[-2], tf.shape(logits)[-1]
        tril = (tf.range(t)[:, None] >= tf.range(s)[None, :])[None, None]
        mask = tril if mask is None else tf.logical_and(mask, tril)
    if mask is not None:
        neg = large_negative(np.float16 if logits.dtype == tf.float16 else np.float32)
        logits = tf.where(mask, logits, tf.constant(neg, dtype=logits.dtype))
    logits = ctx.cast(logits, tf.float32)
    e = tf.exp(logits - tf.reduce_max(logits, axis=-1, keepdims=True))
    probs = ctx.cast(e / tf.reduce_sum(e, axis=-1, keepdims=True), original)
    if probs.dtype == tf.bfloat16:
        probs, v = ctx.cast(probs, tf.float32), ctx.cast(v, tf.float32)
    return ctx.cast(tf.einsum("BNTS,BSNH->BTNH", probs, ctx.cast(v, probs.dtype)), original)
