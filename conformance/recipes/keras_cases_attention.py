"""Dot-product and additive attention cases for the real-Keras oracle corpus.

keras.layers.Attention (dot and concat scores, use_scale, causal and explicit masks) and
AdditiveAttention; MultiHeadAttention cases live in keras_cases.py. Registered in
keras_cases.CASES (the driver, keras_models.py, imports this module).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from keras_cases import ATTN_TOL, Built, case


def _qkv(ctx: Any) -> tuple[Any, Any, Any, dict[str, np.ndarray]]:
    K = ctx.keras
    q = K.Input(shape=(4, 6), name="query")
    v = K.Input(shape=(5, 6), name="value")
    k = K.Input(shape=(5, 6), name="key")
    feed = {"query": ctx.normal(2, 4, 6), "value": ctx.normal(2, 5, 6), "key": ctx.normal(2, 5, 6)}
    return q, v, k, feed


@case(
    "attention_layer",
    "Attention(): [query, value]; use_scale=True; score_mode='concat' "
    "with a separate key; self-attention with use_causal_mask=True",
)
def attention_layer(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    q, v, k, feed = _qkv(ctx)
    outs = [
        L.Attention(name="attn_dot")([q, v]),
        L.Attention(use_scale=True, name="attn_scaled")([q, v]),
        L.Attention(score_mode="concat", name="attn_concat")([q, v, k]),
        L.Attention(name="attn_causal")([q, q], use_causal_mask=True),
    ]
    return Built(
        K.Model([q, v, k], outs),
        feed,
        "list",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        notes="scale ~ 1+N(0,0.2) and concat_score_weight ~ N(0,0.2) from the RNG",
        **ATTN_TOL,
    )


@case(
    "attention_masks",
    "Attention and AdditiveAttention called with mask=[query_mask, "
    "value_mask] from boolean model inputs",
)
def attention_masks(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    q, v, _, feed = _qkv(ctx)
    del feed["key"]
    qm = K.Input(shape=(4,), dtype="bool", name="query_mask")
    vm = K.Input(shape=(5,), dtype="bool", name="value_mask")
    outs = [
        L.Attention(use_scale=True, name="attn_masked")([q, v], mask=[qm, vm]),
        L.AdditiveAttention(name="additive_masked")([q, v], mask=[qm, vm]),
    ]
    query_mask = np.array([[True, True, True, False], [True, False, True, True]])
    value_mask = np.array([[True, True, False, False, True], [True, True, True, True, False]])
    feed.update(query_mask=query_mask, value_mask=value_mask)
    return Built(
        K.Model([q, v, qm, vm], outs),
        feed,
        "list",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        notes="masked value positions get no weight; masked query rows are zeroed in the output",
        **ATTN_TOL,
    )


@case(
    "additive_attention",
    "AdditiveAttention(): use_scale=True on [query, value], "
    "use_scale=False with a separate key, and causal self-attention",
)
def additive_attention(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    q, v, k, feed = _qkv(ctx)
    outs = [
        L.AdditiveAttention(name="additive_scaled")([q, v]),
        L.AdditiveAttention(use_scale=False, name="additive_key")([q, v, k]),
        L.AdditiveAttention(name="additive_causal")([q, q], use_causal_mask=True),
    ]
    return Built(
        K.Model([q, v, k], outs),
        feed,
        "list",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        notes="scale ~ 1+N(0,0.2) from the RNG",
        **ATTN_TOL,
    )


@case(
    "group_query_attention",
    "GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2): cross "
    "attention query (B, 4, 6) / value (B, 5, 6), and causal self-attention",
    requires=lambda ctx: (
        None
        if hasattr(ctx.keras.layers, "GroupQueryAttention")
        else "no keras.layers.GroupQueryAttention in this version"
    ),
)
def group_query_attention(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    q, v, _, feed = _qkv(ctx)
    del feed["key"]
    gqa = dict(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    outs = [
        L.GroupQueryAttention(**gqa, name="gqa_cross")(q, v),
        L.GroupQueryAttention(**gqa, name="gqa_causal")(q, q, use_causal_mask=True),
    ]
    return Built(
        K.Model([q, v], outs), feed, "list", ["gqa_cross", "gqa_causal"], "list", **ATTN_TOL
    )
