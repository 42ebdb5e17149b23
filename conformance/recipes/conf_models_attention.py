"""Runtime case models: MultiHeadAttention, every option and call form.

Each builder gets the Keras-style API (``reference_runtime``) as ``K`` and the case's seeded
generator and returns a :class:`conf_runtime.Built`; ``@model`` registers it
(conf_model_kit.py). Sizes are tiny on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conf_model_kit import functional, model, normal
from conf_runtime import Built

# --------------------------------------------------------------------------- attention


def _mha(
    K: Any,
    rng: np.random.Generator,
    q: tuple[int, ...],
    v: tuple[int, ...] | None,
    k: tuple[int, ...] | None = None,
    call: dict[str, Any] | None = None,
    **options: Any,
) -> Built:
    inputs = {"query": q}
    if v is not None:
        inputs["value"] = v
    if k is not None:
        inputs["key"] = k
    layer = K.layers.MultiHeadAttention(name="mha", **options)

    def body(*t: Any) -> Any:
        kwargs = dict(call or {})
        if k is not None:
            kwargs["key"] = t[2]
        return layer(t[0], t[1] if v is not None else t[0], **kwargs)

    return functional(K, inputs, body, rng, batch=2, rtol=1e-5, atol=1e-5)


@model("mha_self", "MultiHeadAttention(2, 4, dropout=0.1) self-attention on (B, 5, 8)")
def _mha_self(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (5, 8), None, num_heads=2, key_dim=4, dropout=0.1)


@model("mha_cross", "MultiHeadAttention(2, 4): query (B, 5, 8), value (B, 7, 6)")
def _mha_cross(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (5, 8), (7, 6), num_heads=2, key_dim=4)


@model("mha_key_separate", "MultiHeadAttention(2, 3) with a separate key (B, 7, 5)")
def _mha_key(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (5, 8), (7, 6), (7, 5), num_heads=2, key_dim=3)


@model("mha_value_dim", "MultiHeadAttention(3, 4, value_dim=2)")
def _mha_vdim(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (4, 6), (5, 6), num_heads=3, key_dim=4, value_dim=2)


@model("mha_output_shape_int", "MultiHeadAttention(2, 4, output_shape=10)")
def _mha_oshape(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (5, 8), (6, 8), num_heads=2, key_dim=4, output_shape=10)


@model("mha_output_shape_tuple", "MultiHeadAttention(2, 4, output_shape=(2, 3))")
def _mha_oshape_t(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (5, 8), (6, 8), num_heads=2, key_dim=4, output_shape=(2, 3))


@model("mha_no_bias", "MultiHeadAttention(2, 4, use_bias=False)")
def _mha_nobias(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (5, 8), (6, 8), num_heads=2, key_dim=4, use_bias=False)


@model("mha_attention_axes", "MultiHeadAttention(2, 3, attention_axes=(1, 2)) on (B, 3, 4, 6)")
def _mha_axes(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (3, 4, 6), None, num_heads=2, key_dim=3, attention_axes=(1, 2))


@model("mha_causal", "MultiHeadAttention self-attention called with use_causal_mask=True")
def _mha_causal(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (6, 8), None, call={"use_causal_mask": True}, num_heads=2, key_dim=4)


@model("mha_scores", "MultiHeadAttention(..., return_attention_scores=True): output and scores")
def _mha_scores(K: Any, rng: np.random.Generator) -> Built:
    return _mha(
        K, rng, (5, 8), (7, 8), call={"return_attention_scores": True}, num_heads=2, key_dim=4
    )


@model("mha_attention_mask", "MultiHeadAttention with an int32 attention_mask input (B, 4, 6)")
def _mha_mask(K: Any, rng: np.random.Generator) -> Built:
    q, v, m = (
        K.Input((4, 8), name="query"),
        K.Input((6, 8), name="value"),
        K.Input((4, 6), dtype="int32", name="mask"),
    )
    y = K.layers.MultiHeadAttention(2, 4, name="mha")(q, v, attention_mask=m)
    mask = (rng.uniform(size=(2, 4, 6)) > 0.3).astype("int32")
    mask[:, :, 0] = 1
    return Built(
        K.Model([q, v, m], y),
        {"query": normal(rng, 2, 4, 8), "value": normal(rng, 2, 6, 8), "mask": mask},
        "list",
        atol=1e-5,
    )


@model("mha_gate", "MultiHeadAttention(2, 4, use_gate=True): the Keras 3.14 gate projection")
def _mha_gate(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (5, 8), (6, 8), num_heads=2, key_dim=4, use_gate=True)


@model(
    "mha_sliding_window", "MultiHeadAttention(2, 4, sliding_window=2) self-attention (Keras 3.15)"
)
def _mha_window(K: Any, rng: np.random.Generator) -> Built:
    return _mha(K, rng, (6, 8), None, num_heads=2, key_dim=4, sliding_window=2)
