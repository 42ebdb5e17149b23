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

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._attention_math import (
    AttentionMasks,
    np_attention_mask,
    np_dot_product_attention,
    tf_attention_mask,
    tf_dot_product_attention,
)
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


def _scale(layer: Any) -> float:
    return 1.0 / math.sqrt(float(layer.head_dim))


def _causal_only(layer: Any, masks: AttentionMasks) -> bool:
    # Keras hands a causal-only mask to the backend's is_causal kernel.
    query_mask, value_mask, key_mask, attention_mask, causal = masks
    return (
        bool(causal)
        and layer.sliding_window is None
        and all(m is None for m in (query_mask, value_mask, key_mask, attention_mask))
    )


def _fused(layer: Any, q_rank: int, return_scores: bool) -> bool:
    return not (layer.dropout > 0.0 or return_scores or q_rank != 4)


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
    key = value if key is None else key
    masks: AttentionMasks = (query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
    causal_only = _causal_only(layer, masks)
    mask = None if causal_only else np_attention_mask(query, value, masks, layer.sliding_window)
    gate = layer.gate_dense(query) if layer.use_gate else None
    q = layer.query_dense(query)
    repeats = layer.num_query_heads // layer.num_key_value_heads
    k = np.repeat(layer.key_dense(key), repeats, axis=2)
    v = np.repeat(layer.value_dense(value), repeats, axis=2)
    scores = None
    if _fused(layer, q.ndim, return_attention_scores):
        out = np_dot_product_attention(np.einsum, q, k, v, mask, _scale(layer), causal_only)
    else:
        if causal_only:
            mask = np_attention_mask(query, value, masks, None)
        q = q * np.asarray(_scale(layer), q.dtype)
        scores = np.einsum("bquh,bkuh->buqk", q, k)
        if mask is not None:
            for _ in range(scores.ndim - mask.ndim):
                mask = np.expand_dims(mask, -3)
        scores = layer.softmax_layer(scores, mask=mask)
        out = np.einsum("buqk,bkuh->bquh", scores, v)
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
    key = value if key is None else key
    masks: AttentionMasks = (query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
    causal_only = _causal_only(layer, masks)
    window = layer.sliding_window
    mask = None if causal_only else tf_attention_mask(ctx, query, value, masks, window)
    gate = ctx.call(layer.gate_dense, query) if layer.use_gate else None
    q = ctx.call(layer.query_dense, query)
    repeats = layer.num_query_heads // layer.num_key_value_heads
    k = tf.repeat(ctx.call(layer.key_dense, key), repeats, axis=2)
    v = tf.repeat(ctx.call(layer.value_dense, value), repeats, axis=2)
    scores = None
    if _fused(layer, q.shape.rank, return_attention_scores):
        out = tf_dot_product_attention(ctx, q, k, v, mask, _scale(layer), causal_only)
    else:
        if causal_only:
            mask = tf_attention_mask(ctx, query, value, masks, None)
        raw = tf.einsum("bquh,bkuh->buqk", q * tf.constant(_scale(layer), q.dtype), k)
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
    aliases=("GroupedQueryAttention",),  # the class_name Keras 3.0 writes
    summary="grouped-query attention; sub-layers are rebuilt from the config (§6.7)",
    variables_doc="none (sub-layers `_query_dense`, `_key_dense`, `_gate_dense`, "
    "`_value_dense`, `_output_dense`, §6.7)",
)

DEFINITIONS = (GROUP_QUERY_ATTENTION,)
