"""``MultiHeadAttention`` (``keras/src/layers/attention/multi_head_attention.py``).

No variables of its own: ``query``/``key``/``value``/``attention_output``
EinsumDense projections (plus ``gate`` with ``use_gate``) are sub-layers with
their own H5 groups (spec §6.7), built from equations ``_build_proj_equation``
derives from the query/value/key ranks.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._attention_math import (
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

__all__ = ["DEFINITIONS", "MULTI_HEAD_ATTENTION", "attention_equations", "sublayers"]


def _proj_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str, int]:
    # ``_build_proj_equation``: letters a.. for free dims, then bound, then output.
    letters = "abcdefghijklmnopqrstuvwxyz"
    free = letters[:free_dims]
    bound = letters[free_dims : free_dims + bound_dims]
    outs = letters[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{outs}->{free}{outs}", outs, len(free) + len(outs)


def _shapes(input_shape: InputShape) -> tuple[Shape, Shape, Shape] | None:
    if input_shape is None:
        return None
    if isinstance(input_shape, Mapping):
        query = shape_of(input_shape["query_shape"])
        value = shape_of(input_shape["value_shape"])
        key_raw: Any = input_shape.get("key_shape")
    else:
        shapes = list(input_shape)
        if not shapes or not isinstance(shapes[0], Sequence):
            raise ValueError("MultiHeadAttention needs query and value shapes")
        query, value = shape_of(shapes[0]), shape_of(shapes[1])
        key_raw = shapes[2] if len(shapes) > 2 else None
    key = value if key_raw is None else shape_of(key_raw)
    return query, value, key


def sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
    heads, key_dim = config["num_heads"], config["key_dim"]
    value_dim = config.get("value_dim") or key_dim
    bias_on = config.get("use_bias", True)
    if config.get("query_shape") and config.get("value_shape"):
        # tf-keras keeps the build shapes in the config; its build_config only has the query's.
        input_shape = {
            k: config[k] for k in ("query_shape", "value_shape", "key_shape") if config.get(k)
        }
    shapes = _shapes(input_shape)
    query, value, key = shapes if shapes is not None else (None, None, None)
    out_shape = config.get("output_shape")
    out_dims = [out_shape] if isinstance(out_shape, int) else list(out_shape or [])

    def sub(
        attr: str,
        name: str,
        shape: Shape | None,
        bound: int,
        last: list[Any],
        activation: str = "linear",
    ) -> SublayerSpec:
        # ``_gate_dense`` has no public alias, so it keeps its private name everywhere.
        legacy = None if attr.startswith("_") else "_" + attr
        if shape is None:  # no build shapes: names only
            return SublayerSpec(attr, legacy, "EinsumDense", name, {"name": name})
        eq, bias, rank = _proj_equation(len(shape) - bound, bound, len(last))
        cfg = {
            "name": name,
            "equation": eq,
            "output_shape": [None] * (rank - 1 - len(last)) + last,
            "bias_axes": bias if bias_on else None,
            "activation": activation,
        }
        return SublayerSpec(attr, legacy, "EinsumDense", name, cfg, shape)

    subs = [
        sub("query_dense", "query", query, 1, [heads, key_dim]),
        sub("key_dense", "key", key, 1, [heads, key_dim]),
    ]
    if config.get("use_gate", False):
        subs.append(sub("_gate_dense", "gate", query, 1, [heads, value_dim], "sigmoid"))
    subs.append(sub("value_dense", "value", value, 1, [heads, value_dim]))
    proj_in = None if query is None else (*query[:-1], heads, value_dim)
    subs.append(
        sub("output_dense", "attention_output", proj_in, 2, out_dims or [query and query[-1]])
    )
    return (
        *subs,
        SublayerSpec(
            "_dropout_layer", None, "Dropout", "dropout", {"name": "dropout"}, weighted=False
        ),
        SublayerSpec("_softmax", None, "Softmax", "softmax", {"name": "softmax"}, weighted=False),
    )


# -- forward pass -------------------------------------------------------------------
#
# As Keras 3.15 (``call``): the query/value/key masks, the causal mask ``i >= j``,
# the sliding window ``|i - j| < w`` and an explicit ``attention_mask`` are ANDed;
# scores are scaled by ``1/sqrt(key_dim)``. The fused path (rank-4 projections,
# no dropout, no returned scores: ``backend/numpy/nn.py`` ``dot_product_attention``)
# fills masked logits with ``-0.7 * finfo.max`` and soft-maxes in float32; the
# explicit path soft-maxes over the attention axes through the layer's ``softmax``
# sub-layer (its masking). The two differ only on fully masked rows, as in Keras.
# The built layer exposes its projections as ``query_dense`` … ``output_dense``
# (as Keras does), every sub-layer by Keras name through ``sublayer("gate")``,
# and ``attention_axes`` normalized for the query rank.


def attention_equations(rank: int, attn_axes: tuple[int, ...]) -> tuple[str, str, int]:
    """``_build_attention_equation``: the scores and combine equations and the scores' rank."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in (*attn_axes, rank - 1)]
    offset = rank
    source = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[offset]
            offset += 1
    product = "".join(
        [target[i] for i in batch_dims]
        + [target[i] for i in attn_axes]
        + [source[i] for i in attn_axes]
    )
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def _scale(layer: Any) -> float:
    return 1.0 / math.sqrt(float(layer.key_dim))


def _fused(layer: Any, q: Any, return_scores: bool) -> bool:
    return not (layer.dropout > 0.0 or return_scores or len(q.shape) != 4)


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
    """NumPy forward pass (inference)."""
    if key is None:
        key = value
    # Keras reads the query mask from the tensor and clears the input masks
    # in place (call L641-645); later consumers of these arrays see no mask.
    query_mask = layer.mask_of(query)
    query, value, key = (layer.with_mask(t, None) for t in (query, value, key))
    masks = (query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
    mask = np_attention_mask(query, value, masks, layer.sliding_window)
    gate = layer.sublayer("gate")(query) if layer.use_gate else None
    q, k, v = layer.query_dense(query), layer.key_dense(key), layer.value_dense(value)
    scores = None
    if _fused(layer, q, return_attention_scores):
        out = np_dot_product_attention(layer.einsum, q, k, v, mask, _scale(layer))
    else:
        axes = tuple(layer.attention_axes)
        dot, combine, _ = attention_equations(q.ndim, axes)
        q = q * np.asarray(1.0 / math.sqrt(float(layer.key_dim)), q.dtype)
        scores = layer.einsum(dot, k, q)
        if mask is not None:
            for _ in range(scores.ndim - mask.ndim):
                mask = np.expand_dims(mask, -len(axes) * 2 - 1)
        scores = layer.sublayer("softmax")(scores, mask=mask)
        out = layer.einsum(combine, scores, v)
    out = layer.output_dense(out * gate if gate is not None else out)
    if query_mask is not None:
        out = layer.with_mask(out, query_mask)
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
    """TensorFlow twin of :func:`call`; the projections are the layer's sub-layers."""
    tf = ctx.tf
    if key is None:
        key = value
    query_mask = ctx.mask(query)
    query, value, key = (ctx.with_mask(t, None) for t in (query, value, key))
    masks = (query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
    mask = tf_attention_mask(ctx, query, value, masks, layer.sliding_window)
    gate = ctx.call(layer.sublayer("gate"), query) if layer.use_gate else None
    q = ctx.call(layer.query_dense, query)
    k = ctx.call(layer.key_dense, key)
    v = ctx.call(layer.value_dense, value)
    scores = None
    if _fused(layer, q, return_attention_scores):
        out = tf_dot_product_attention(ctx, q, k, v, mask, _scale(layer))
    else:
        axes = tuple(layer.attention_axes)
        dot, combine, _ = attention_equations(q.shape.rank, axes)
        q = q * tf.constant(1.0 / math.sqrt(float(layer.key_dim)), q.dtype)
        scores = tf.einsum(dot, k, q)
        if mask is not None:
            for _ in range(scores.shape.rank - mask.shape.rank):
                mask = tf.expand_dims(mask, -len(axes) * 2 - 1)
        scores = ctx.call(layer.sublayer("softmax"), scores, mask=mask)
        out = tf.einsum(combine, scores, v)
    out = ctx.call(layer.output_dense, out * gate if gate is not None else out)
    if query_mask is not None:
        out = ctx.with_mask(out, query_mask)
    return (out, scores) if return_attention_scores else out


MULTI_HEAD_ATTENTION = LayerDef(
    class_name="MultiHeadAttention",
    source="keras/src/layers/attention/multi_head_attention.py",
    fields={
        "num_heads": f(c.POS_INT, required=True),
        "key_dim": f(c.POS_INT, required=True),
        "value_dim": f(c.opt(c.POS_INT), note="defaults to `key_dim`"),
        "dropout": f(c.num(0.0, 1.0, open_hi=True), 0.0),
        "use_bias": f(c.BOOL, True),
        "output_shape": f(c.opt(c.OUTPUT_SHAPE)),
        "attention_axes": f(
            c.opt(c.AXES),
            note="saved normalized after build (e.g. `[1]`); each axis `a` MUST satisfy "
            "`-r ≤ a < r` for the query rank `r` (KF309)",
        ),
        "use_gate": f(c.BOOL, False, note="Keras 3.14+"),
        "sliding_window": f(c.opt(c.POS_INT), note="Keras 3.15+"),
        "seed": f(c.opt(c.INT), note="Keras 3.4+"),
        **weight_fields("kernel", "bias", initializers={"kernel": "glorot_uniform"}),
        "query_shape": f(c.opt(c.SHAPE), tf_keras=True),
        "key_shape": f(c.opt(c.SHAPE), tf_keras=True),
        "value_shape": f(c.opt(c.SHAPE), tf_keras=True),
        "softmax_robust_masking": f(c.BOOL, tf_keras=True, note="tf_keras 2.21 writes it"),
    },
    call=call,
    tf_call=tf_call,
    supports_masking=True,
    sublayers=sublayers,
    call_outputs=scores_outputs,
    output_shape=lambda config, shape: None,
    summary="multi-head attention; sub-layers are rebuilt from the config (§6.7)",
    variables_doc="none (sub-layers, §6.7)",
)

DEFINITIONS = (MULTI_HEAD_ATTENTION,)
