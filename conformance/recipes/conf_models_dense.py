"""Runtime case models: Dense and activations, Dropout, EinsumDense, Embedding.

Each builder gets the Keras-style API (``reference_runtime``) as ``K`` and the case's seeded
generator and returns a :class:`conf_runtime.Built`; ``@model`` registers it
(conf_model_kit.py). Sizes are tiny on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conf_model_kit import ACTIVATIONS, functional, model, normal
from conf_runtime import Built

# --------------------------------------------------------------------------- Dense and basics


@model("dense_sequential", "Sequential: Input(6) -> Dense(5, relu) -> Dense(3)")
def _dense_sequential(K: Any, rng: np.random.Generator) -> Built:
    m = K.Sequential(
        [K.Input((6,), name="x"), K.layers.Dense(5, activation="relu"), K.layers.Dense(3)],
        name="sequential",
    )
    return Built(m, {"x": normal(rng, 3, 6)})


@model("dense_no_bias", "Dense(4, tanh, use_bias=False): one variable")
def _dense_no_bias(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (6,)},
        lambda x: K.layers.Dense(4, activation="tanh", use_bias=False, name="dense_nb")(x),
        rng,
    )


@model("dense_rank3", "Dense(5) on a rank-3 input (B, 4, 6)")
def _dense_rank3(K: Any, rng: np.random.Generator) -> Built:
    return functional(K, {"x": (4, 6)}, lambda x: K.layers.Dense(5, name="d")(x), rng)


@model("dense_rank4", "Dense(4, sigmoid) on a rank-4 input (B, 2, 3, 6)")
def _dense_rank4(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K, {"x": (2, 3, 6)}, lambda x: K.layers.Dense(4, activation="sigmoid", name="d")(x), rng
    )


@model("activations", "Activation layers for every Keras 3 activation name (one output each)")
def _activations(K: Any, rng: np.random.Generator) -> Built:
    def body(x: Any) -> Any:
        return [K.layers.Activation(a, name=f"act_{a}")(x) for a in ACTIVATIONS]

    built = functional(K, {"x": (8,)}, body, rng, batch=4)
    built.inputs["x"] = (2.5 * built.inputs["x"]).astype("float32")
    return built


@model("dense_activations", "Dense layers with activation strings gelu, swish, softmax, elu")
def _dense_activations(K: Any, rng: np.random.Generator) -> Built:
    def body(x: Any) -> Any:
        return [
            K.layers.Dense(4, activation=a, name=f"dense_{a}")(x)
            for a in ("gelu", "swish", "softmax", "elu")
        ]

    return functional(K, {"x": (5,)}, body, rng)


@model("dropout", "Dense -> Dropout(0.5, noise_shape, seed) -> Dense: identity at inference")
def _dropout(K: Any, rng: np.random.Generator) -> Built:
    m = K.Sequential(
        [
            K.Input((3, 4), name="x"),
            K.layers.Dense(6),
            K.layers.Dropout(0.5, noise_shape=(None, 1, 6), seed=7),
            K.layers.Dense(2),
        ],
        name="sequential",
    )
    return Built(m, {"x": normal(rng, 3, 3, 4)})


# --------------------------------------------------------------------------- EinsumDense


@model("einsum_dense_matmul", "EinsumDense('ab,bc->ac', output_shape=4, bias_axes='c')")
def _ed_matmul(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (6,)},
        lambda x: K.layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", name="ed")(x),
        rng,
    )


@model("einsum_dense_split_heads", "EinsumDense('abc,cde->abde', (None, 2, 3), bias 'de', relu)")
def _ed_split(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (4, 6)},
        lambda x: K.layers.EinsumDense(
            "abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", activation="relu", name="ed"
        )(x),
        rng,
    )


@model("einsum_dense_ellipsis", "EinsumDense('...b,bc->...c', output_shape=5), no bias")
def _ed_ellipsis(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (2, 3, 6)},
        lambda x: K.layers.EinsumDense("...b,bc->...c", output_shape=5, name="ed")(x),
        rng,
    )


@model("einsum_dense_reduce", "EinsumDense('abc,bcd->ad', output_shape=3, bias_axes='d')")
def _ed_reduce(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (4, 5)},
        lambda x: K.layers.EinsumDense("abc,bcd->ad", output_shape=3, bias_axes="d", name="ed")(x),
        rng,
    )


# --------------------------------------------------------------------------- Embedding


def int_input(
    rng: np.random.Generator, high: int, *shape: int, pad: int = 0
) -> np.ndarray[Any, Any]:
    data = rng.integers(1, high, size=shape).astype("int32")
    if pad:
        data[..., -pad:] = 0
    return data


@model("embedding", "Input(int32) -> Embedding(10, 4) -> Flatten -> Dense(2)")
def _embedding(K: Any, rng: np.random.Generator) -> Built:
    x = K.Input((5,), dtype="int32", name="tokens")
    y = K.layers.Dense(2, name="d")(
        K.layers.Flatten(name="f")(K.layers.Embedding(10, 4, name="emb")(x))
    )
    return Built(K.Model(x, y), {"tokens": int_input(rng, 10, 3, 5)})


@model(
    "embedding_mask_zero_attention", "Embedding(mask_zero=True) padding mask into self-attention"
)
def _embedding_mask(K: Any, rng: np.random.Generator) -> Built:
    x = K.Input((6,), dtype="int32", name="tokens")
    e = K.layers.Embedding(12, 8, mask_zero=True, name="emb")(x)
    y = K.layers.MultiHeadAttention(2, 4, name="mha")(e, e)
    return Built(K.Model(x, y), {"tokens": int_input(rng, 12, 3, 6, pad=2)}, rtol=1e-5, atol=1e-5)
