"""``Attention`` and ``AdditiveAttention`` (``keras/src/layers/attention/attention.py``,
``additive_attention.py``): dot-product / additive attention over ``[query, value(, key)]``.

Scores ``(batch, Tq, Tv)``: ``query @ key^T`` (times ``scale`` with ``use_scale``),
``concat_score_weight * sum(tanh(scale * (q + k)))`` for ``score_mode="concat"``, or
``sum(scale * tanh(q + k))`` (additive). Masked value positions and, with
``use_causal_mask``, future positions get ``score - 1e9`` (``65504`` for float16)
before the softmax; masked query rows give zeros. Dropout acts only in training.
Variables: ``scale`` (shape ``()``, additive ``(dim,)``) with ``use_scale``, then
``concat_score_weight`` (``()``) for ``concat``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import (
    InputShape,
    LayerDef,
    Shape,
    VariableSpec,
    f,
    scores_outputs,
    shape_of,
)

__all__ = ["ADDITIVE_ATTENTION", "ATTENTION", "DEFINITIONS"]


def _shapes(input_shape: InputShape) -> list[Shape]:
    if not isinstance(input_shape, Sequence) or not input_shape:
        raise ValueError("attention layers are built on [query, value] or [query, value, key]")
    if not isinstance(input_shape[0], Sequence):
        raise ValueError("attention layers are built on a list of input shapes")
    if not 2 <= len(input_shape) <= 3:
        raise ValueError(f"attention layers take 2 or 3 inputs, got {len(input_shape)}")
    return [shape_of(s) for s in input_shape]


def _attention_variables(
    config: Mapping[str, Any], input_shape: InputShape
) -> tuple[VariableSpec, ...]:
    out = []
    if config.get("use_scale", False):
        out.append(VariableSpec("scale", ()))
    if config.get("score_mode", "dot") == "concat":
        out.append(VariableSpec("concat_score_weight", ()))
    return tuple(out)


def _additive_variables(
    config: Mapping[str, Any], input_shape: InputShape
) -> tuple[VariableSpec, ...]:
    if not config.get("use_scale", True):
        return ()
    return (VariableSpec("scale", (_shapes(input_shape)[0][-1],)),)


def _validate(layer: Any, inputs: Any, mask: Any) -> None:
    # Attention._validate_inputs: the same refusals, with Keras' words.
    name = type(layer).__name__
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(
            f"{name} layer must be called on a list of inputs, namely [query, value] or "
            "[query, value, key]."
        )
    if not 2 <= len(inputs) <= 3:
        raise ValueError(f"{name} layer accepts inputs list of length 2 or 3.")
    if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
        raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask].")


def _scores(layer: Any, q: Any, k: Any) -> Any:
    scale = layer.weight("scale") if layer.use_scale else None
    additive = getattr(layer, "score_mode", None) is None
    if not additive and layer.score_mode == "dot":
        s = np.matmul(q, np.swapaxes(k, -2, -1))
        return s * scale if scale is not None else s
    summed = q[..., :, np.newaxis, :] + k[..., np.newaxis, :, :]
    if additive:
        t = np.tanh(summed)
        return np.sum(t * scale if scale is not None else t, axis=-1)
    if scale is not None:
        summed = scale * summed
    return layer.weight("concat_score_weight") * np.sum(np.tanh(summed), axis=-1)


def _softmax(x: Any) -> Any:
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def call(
    layer: Any,
    inputs: Any,
    mask: Any = None,
    training: Any = False,
    return_attention_scores: bool = False,
    use_causal_mask: bool = False,
) -> Any:
    """NumPy forward pass (``Attention.call``)."""
    _validate(layer, inputs, mask)
    q, v = np.asarray(inputs[0]), np.asarray(inputs[1])
    k = np.asarray(inputs[2]) if len(inputs) > 2 else v
    q_mask = mask[0] if mask else None
    v_mask = mask[1] if mask else None
    scores = _scores(layer, q, k)
    keep = None if v_mask is None else np.asarray(v_mask, bool)[..., np.newaxis, :]
    if use_causal_mask:
        tq, tv = scores.shape[-2], scores.shape[-1]
        causal = np.arange(tq)[:, None] >= np.arange(tv)[None, :]
        keep = causal[np.newaxis] if keep is None else keep & causal
    if keep is not None:
        big = 65504.0 if scores.dtype == np.float16 else 1.0e9
        scores = np.where(keep, scores, scores - np.asarray(big, scores.dtype))
    weights = _softmax(scores).astype(scores.dtype, copy=False)
    out = np.matmul(weights, v)
    if q_mask is not None:
        out = np.where(np.asarray(q_mask, bool)[..., np.newaxis], out, np.zeros((), out.dtype))
    return (out, weights) if return_attention_scores else out


def compute_mask(layer: Any, inputs: Any, previous_mask: Any) -> Any:
    """The query mask, as Keras' ``compute_mask``."""
    if not previous_mask or previous_mask[0] is None:
        return None
    return np.asarray(previous_mask[0])


def tf_call(
    ctx: Any,
    layer: Any,
    inputs: Any,
    mask: Any = None,
    training: Any = False,
    return_attention_scores: bool = False,
    use_causal_mask: bool = False,
) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    _validate(layer, inputs, mask)
    q, v = inputs[0], inputs[1]
    k = inputs[2] if len(inputs) > 2 else v
    q_mask = mask[0] if mask else None
    v_mask = mask[1] if mask else None
    scale = ctx.weight(layer, "scale") if layer.use_scale else None
    additive = getattr(layer, "score_mode", None) is None
    if not additive and layer.score_mode == "dot":
        scores = tf.matmul(q, k, transpose_b=True)
        if scale is not None:
            scores = scores * scale
    else:
        summed = tf.expand_dims(q, -2) + tf.expand_dims(k, -3)
        if additive:
            t = tf.tanh(summed)
            scores = tf.reduce_sum(t * scale if scale is not None else t, axis=-1)
        else:
            if scale is not None:
                summed = scale * summed
            weight = ctx.weight(layer, "concat_score_weight")
            scores = weight * tf.reduce_sum(tf.tanh(summed), axis=-1)
    keep = None if v_mask is None else tf.expand_dims(tf.cast(v_mask, tf.bool), -2)
    if use_causal_mask:
        tq, tv = tf.shape(scores)[-2], tf.shape(scores)[-1]
        causal = tf.range(tq)[:, None] >= tf.range(tv)[None, :]
        keep = causal[None] if keep is None else tf.logical_and(keep, causal)
    if keep is not None:
        big = 65504.0 if scores.dtype == tf.float16 else 1.0e9
        scores = tf.where(keep, scores, scores - tf.constant(big, scores.dtype))
    weights = tf.nn.softmax(scores, axis=-1)
    out = tf.matmul(weights, v)
    if q_mask is not None:
        out = tf.where(tf.expand_dims(tf.cast(q_mask, tf.bool), -1), out, tf.zeros([], out.dtype))
    return (out, weights) if return_attention_scores else out


def tf_compute_mask(ctx: Any, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    """TensorFlow twin of :func:`compute_mask`."""
    if not previous_mask or previous_mask[0] is None:
        return None
    return previous_mask[0]


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    return None  # several inputs: not followed through a Sequential model


_COMMON = {
    "dropout": f(c.RATE, 0.0, note="acts only in training"),
    "seed": f(c.opt(c.INT)),
}

ATTENTION = LayerDef(
    class_name="Attention",
    source="keras/src/layers/attention/attention.py",
    fields={
        "use_scale": f(c.BOOL, False),
        "score_mode": f(c.enum("dot", "concat"), "dot"),
        **_COMMON,
        "causal": f(c.BOOL, tf_keras=True, note="Keras 3 takes `use_causal_mask` in the call"),
    },
    call=call,
    tf_call=tf_call,
    variables=_attention_variables,
    output_shape=_output_shape,
    compute_mask=compute_mask,
    tf_compute_mask=tf_compute_mask,
    call_outputs=scores_outputs,
    summary="dot-product (Luong) attention over `[query, value(, key)]`",
    variables_doc="`scale ()` (if `use_scale`), `concat_score_weight ()` (if `score_mode` is "
    "`concat`)",
)

ADDITIVE_ATTENTION = LayerDef(
    class_name="AdditiveAttention",
    source="keras/src/layers/attention/additive_attention.py",
    fields={
        "use_scale": f(c.BOOL, True),
        **_COMMON,
        "causal": f(c.BOOL, tf_keras=True, note="Keras 3 takes `use_causal_mask` in the call"),
    },
    call=call,
    tf_call=tf_call,
    variables=_additive_variables,
    output_shape=_output_shape,
    compute_mask=compute_mask,
    tf_compute_mask=tf_compute_mask,
    call_outputs=scores_outputs,
    summary="additive (Bahdanau) attention over `[query, value(, key)]`",
    variables_doc="`scale (dim,)` with `dim` the query's last axis (if `use_scale`)",
)

DEFINITIONS = (ATTENTION, ADDITIVE_ATTENTION)
