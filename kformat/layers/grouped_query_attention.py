"""``GroupQueryAttention`` (``keras/src/layers/attention/grouped_query_attention.py``;
Python class ``GroupedQueryAttention``): attention with fewer key/value heads than query heads.

No variables of its own. Sub-layers with their own H5 groups (spec §6.7), under
their private attribute names in every Keras version: ``_query_dense``
(``bqm,muh->bquh``), ``_key_dense`` and ``_value_dense`` (``bkm,mvh->bkvh``),
``_gate_dense`` with ``use_gate`` (query projection, sigmoid), ``_output_dense``
(``bquh,uhm->bqm``), and weightless ``_softmax`` / ``_dropout_layer``.

Forward pass as Keras 3.15: keys and values are repeated to the query heads;
query/value/key masks, the causal mask and the sliding window are ANDed. Without
dropout or returned scores the scores go through ``dot_product_attention``
(masked logits ``-0.7 * finfo.max``, softmax in float32); otherwise the explicit
path soft-maxes with the Softmax layer's masking (``-1e9``, then zeros).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._common import weight_fields
from kformat.layers._def import (
    InputShape,
    LayerDef,
    Shape,
    SublayerSpec,
    f,
    scores_outputs,
    shape_of,
)

__all__ = ["DEFINITIONS", "GROUP_QUERY_ATTENTION", "sublayers"]


def _shapes(input_shape: InputShape) -> tuple[Shape, Shape, Shape] | None:
    if not isinstance(input_shape, Mapping):
        return None
    query = shape_of(input_shape["query_shape"])
    value = shape_of(input_shape["value_shape"])
    key_raw: Any = input_shape.get("key_shape")
    return query, value, value if key_raw is None else shape_of(key_raw)


def sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
    """The sub-layers ``build`` creates, in creation order."""
    heads_q, heads_kv = config["num_query_heads"], config["num_key_value_heads"]
    head_dim = config["head_dim"]
    bias = config.get("use_bias", True)
    shapes = _shapes(input_shape)
    query, value, key = shapes if shapes is not None else (None, None, None)

    def dense(
        attr: str, name: str, eq: str, out: list[Any], axes: str, shape: Shape | None, act: str
    ) -> SublayerSpec:
        cfg = {
            "name": name,
            "equation": eq,
            "output_shape": out,
            "bias_axes": axes if bias else None,
            "activation": act,
        }
        return SublayerSpec(attr, None, "EinsumDense", name, cfg, shape)

    subs = [
        dense(
            "_query_dense",
            "query",
            "bqm,muh->bquh",
            [None, heads_q, head_dim],
            "uh",
            query,
            "linear",
        ),
        dense(
            "_key_dense", "key", "bkm,mvh->bkvh", [None, heads_kv, head_dim], "vh", key, "linear"
        ),
    ]
    if config.get("use_gate", False):
        subs.append(
            dense(
                "_gate_dense",
                "gate",
                "bqm,muh->bquh",
                [None, heads_q, head_dim],
                "uh",
                query,
                "sigmoid",
            )
        )
    subs.append(
        dense(
            "_value_dense",
            "value",
            "bkm,mvh->bkvh",
            [None, heads_kv, head_dim],
            "vh",
            value,
            "linear",
        )
    )
    subs += [
        SublayerSpec("_softmax", None, "Softmax", "softmax", {"name": "softmax"}, weighted=False),
        SublayerSpec(
            "_dropout_layer", None, "Dropout", "dropout", {"name": "dropout"}, weighted=False
        ),
    ]
    feature = query[-1] if query is not None else None
    subs.append(
        dense(
            "_output_dense",
            "attention_output",
            "bquh,uhm->bqm",
            [None, feature],
            "m",
            None if query is None else (None, None, heads_q, head_dim),
            "linear",
        )
    )
    return tuple(subs)


# -- the forward pass ---------------------------------------------------------------


def _attention_mask(
    layer: Any,
    t: int,
    s: int,
    query_mask: Any,
    value_mask: Any,
    key_mask: Any,
    attention_mask: Any,
    use_causal_mask: bool,
) -> Any:
    # _compute_attention_mask: q[:, :, None] & v[:, None, :] & k[:, None, :] & causal & window.
    auto = None
    if query_mask is not None:
        auto = np.expand_dims(np.asarray(query_mask, bool), -1)
    for m in (value_mask, key_mask):
        if m is not None:
            m = np.expand_dims(np.asarray(m, bool), -2)
            auto = m if auto is None else auto & m
    rows = np.arange(t).reshape(1, t, 1)
    cols = np.arange(s).reshape(1, 1, s)
    if use_causal_mask:
        causal = rows >= cols
        auto = causal if auto is None else auto & causal
    if layer.sliding_window is not None:
        window = np.abs(rows - cols) < layer.sliding_window
        auto = window if auto is None else auto & window
    if attention_mask is not None:
        attention_mask = np.asarray(attention_mask).astype(bool)
    if auto is not None:
        attention_mask = auto if attention_mask is None else attention_mask & auto
    return attention_mask


def _large_negative(dtype: Any) -> Any:
    # keras/src/backend/numpy/nn.py _get_large_negative
    return np.asarray((65500.0 if np.dtype(dtype) == np.float16 else 3.38953e38) * -0.7, dtype)


def _fused(layer: Any, q: Any, k: Any, v: Any, mask: Any, causal: bool) -> Any:
    # keras/src/backend/numpy/nn.py _dot_product_attention_xla
    original = k.dtype
    logits = np.einsum("BTNH,BSNH->BNTS", q, k).astype(np.promote_types(q.dtype, np.float32))
    logits *= np.asarray(1.0 / np.sqrt(float(layer.head_dim)), logits.dtype)
    keep = None
    if mask is not None:
        keep = mask
        while keep.ndim < 4:
            keep = np.expand_dims(keep, -3)
    if causal:
        tril = np.tril(np.ones(logits.shape[-2:], bool))[None, None]
        keep = tril if keep is None else keep & tril
    if keep is not None:
        logits = np.where(keep, logits, _large_negative(logits.dtype))
    logits = logits.astype(np.float32)
    e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    probs = (e / np.sum(e, axis=-1, keepdims=True)).astype(original)
    return np.einsum("BNTS,BSNH->BTNH", probs, v).astype(original)


def _explicit(layer: Any, q: Any, k: Any, v: Any, mask: Any) -> tuple[Any, Any]:
    q = q * np.asarray(1.0 / np.sqrt(float(layer.head_dim)), q.dtype)
    scores = np.einsum("bquh,bkuh->buqk", q, k)
    if mask is not None:
        for _ in range(scores.ndim - mask.ndim):
            mask = np.expand_dims(mask, -3)
    scores = layer.softmax_layer(scores, mask=mask)
    return np.einsum("buqk,bkuh->bquh", scores, v), scores


def call(
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
    """NumPy forward pass (``GroupedQueryAttention.call``)."""
    if key is None:
        key = value
    causal_only = (
        use_causal_mask
        and query_mask is None
        and value_mask is None
        and key_mask is None
        and attention_mask is None
        and layer.sliding_window is None
    )
    mask = None
    if not causal_only:
        t, s = np.shape(query)[1], np.shape(value)[1]
        mask = _attention_mask(
            layer, t, s, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
    gate = layer.gate_dense(query) if layer.use_gate else None
    q = layer.query_dense(query)
    repeats = layer.num_query_heads // layer.num_key_value_heads
    k = np.repeat(layer.key_dense(key), repeats, axis=2)
    v = np.repeat(layer.value_dense(value), repeats, axis=2)
    if not (layer.dropout > 0.0 or return_attention_scores or q.ndim != 4):
        out, scores = _fused(layer, q, k, v, mask, causal_only), None
    else:
        if causal_only:
            t, s = q.shape[1], k.shape[1]
            mask = np.arange(t).reshape(1, t, 1) >= np.arange(s).reshape(1, 1, s)
        out, scores = _explicit(layer, q, k, v, mask)
    out = layer.output_dense(out * gate if gate is not None else out)
    return (out, scores) if return_attention_scores else out


def tf_call(
    ctx: Any,
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
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    if key is None:
        key = value
    causal_only = (
        use_causal_mask
        and query_mask is None
        and value_mask is None
        and key_mask is None
        and attention_mask is None
        and layer.sliding_window is None
    )
    t, s = tf.shape(query)[1], tf.shape(value)[1]
    rows, cols = tf.reshape(tf.range(t), (1, -1, 1)), tf.reshape(tf.range(s), (1, 1, -1))

    def both(a: Any, b: Any) -> Any:
        return b if a is None else tf.logical_and(a, b)

    mask = None
    if not causal_only:
        if query_mask is not None:
            mask = tf.expand_dims(tf.cast(query_mask, tf.bool), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                mask = both(mask, tf.expand_dims(tf.cast(m, tf.bool), -2))
        if use_causal_mask:
            mask = both(mask, rows >= cols)
        if layer.sliding_window is not None:
            mask = both(mask, tf.abs(rows - cols) < layer.sliding_window)
        if attention_mask is not None:
            explicit = tf.cast(attention_mask, tf.bool)
            mask = explicit if mask is None else tf.logical_and(explicit, mask)
    gate = ctx.call(layer.gate_dense, query) if layer.use_gate else None
    q = ctx.call(layer.query_dense, query)
    repeats = layer.num_query_heads // layer.num_key_value_heads
    k = tf.repeat(ctx.call(layer.key_dense, key), repeats, axis=2)
    v = tf.repeat(ctx.call(layer.value_dense, value), repeats, axis=2)
    scale = 1.0 / np.sqrt(float(layer.head_dim))
    scores = None
    if not (layer.dropout > 0.0 or return_attention_scores or q.shape.rank != 4):
        original = k.dtype
        logits = tf.einsum("BTNH,BSNH->BNTS", q, k)
        logits = ctx.cast(logits, ctx.result_dtype(logits, np.float32(0))) * scale
        keep = mask
        if keep is not None:
            while keep.shape.rank < 4:
                keep = tf.expand_dims(keep, -3)
        if causal_only:
            keep = (rows >= cols)[:, None]
        if keep is not None:
            big = (65500.0 if logits.dtype == tf.float16 else 3.38953e38) * -0.7
            logits = tf.where(keep, logits, tf.constant(big, logits.dtype))
        probs = ctx.cast(tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1), original)
        out = ctx.cast(tf.einsum("BNTS,BSNH->BTNH", probs, v), original)
    else:
        if causal_only:
            mask = rows >= cols
        qs = q * tf.constant(scale, q.dtype)
        raw = tf.einsum("bquh,bkuh->buqk", qs, k)
        if mask is not None:
            for _ in range(raw.shape.rank - mask.shape.rank):
                mask = tf.expand_dims(mask, -3)
        scores = ctx.call(layer.softmax_layer, raw, mask=mask)
        out = tf.einsum("buqk,bkuh->bquh", scores, v)
    out = ctx.call(layer.output_dense, out * gate if gate is not None else out)
    return (out, scores) if return_attention_scores else out


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    return None  # several inputs: not followed through a Sequential model


GROUP_QUERY_ATTENTION = LayerDef(
    class_name="GroupQueryAttention",
    source="keras/src/layers/attention/grouped_query_attention.py",
    fields={
        "head_dim": f(c.POS_INT, required=True),
        "num_query_heads": f(c.POS_INT, required=True),
        "num_key_value_heads": f(c.POS_INT, required=True, note="MUST divide `num_query_heads`"),
        "use_bias": f(c.BOOL, True),
        "use_gate": f(c.BOOL, False, note="Keras 3.14+"),
        "sliding_window": f(c.opt(c.POS_INT), note="Keras 3.15+"),
        "dropout": f(c.num(0.0, 1.0, open_hi=True), 0.0),
        **weight_fields("kernel", "bias", initializers={"kernel": "glorot_uniform"}),
        "seed": f(c.opt(c.INT)),
    },
    call=call,
    tf_call=tf_call,
    sublayers=sublayers,
    output_shape=_output_shape,
    call_outputs=scores_outputs,
    supports_masking=True,
    summary="grouped-query attention; sub-layers are rebuilt from the config (§6.7)",
    variables_doc="none (sub-layers `_query_dense`, `_key_dense`, `_gate_dense`, "
    "`_value_dense`, `_output_dense`, §6.7)",
)

DEFINITIONS = (GROUP_QUERY_ATTENTION,)
