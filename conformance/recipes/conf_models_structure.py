"""Runtime case models: model structures (multiple inputs and outputs, nested models)
and dtype policies.

Each builder gets the Keras-style API (``reference_runtime``) as ``K`` and the case's seeded
generator and returns a :class:`conf_runtime.Built`; ``@model`` registers it
(conf_model_kit.py). Sizes are tiny on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conf_model_kit import functional, model, normal
from conf_runtime import Built

# --------------------------------------------------------------------------- model structures


@model("functional_multi_io_list", "two inputs, two outputs (lists)")
def _multi_list(K: Any, rng: np.random.Generator) -> Built:
    def body(a: Any, b: Any) -> Any:
        h = K.layers.Concatenate(name="cat")(
            [K.layers.Dense(4, name="da")(a), K.layers.Dense(4, name="db")(b)]
        )
        return [
            K.layers.Dense(3, name="y1")(h),
            K.layers.Dense(2, activation="softmax", name="y2")(h),
        ]

    return functional(K, {"a": (6,), "b": (5,)}, body, rng)


@model("functional_multi_io_dict", "dict inputs {'a', 'b'} and dict outputs {'y1', 'y2'}")
def _multi_dict(K: Any, rng: np.random.Generator) -> Built:
    a, b = K.Input((6,), name="a"), K.Input((4,), name="b")
    h = K.layers.Add(name="add")([K.layers.Dense(5, name="da")(a), K.layers.Dense(5, name="db")(b)])
    out = {"y1": K.layers.Dense(3, name="y1")(h), "y2": K.layers.Dense(2, name="y2")(h)}
    m = K.Model({"a": a, "b": b}, out)
    return Built(m, {"a": normal(rng, 3, 6), "b": normal(rng, 3, 4)}, "dict")


@model(
    "nested_sequential_in_functional", "a Sequential (Dense, BatchNormalization) used as a layer"
)
def _nested_seq(K: Any, rng: np.random.Generator) -> Built:
    inner = K.Sequential(
        [
            K.Input((6,), name="inner_in"),
            K.layers.Dense(5, name="d1"),
            K.layers.BatchNormalization(name="bn"),
        ],
        name="inner",
    )
    return functional(K, {"x": (6,)}, lambda x: K.layers.Dense(2, name="out")(inner(x)), rng)


@model("nested_functional_in_functional", "a Functional model used as a layer, then Dense")
def _nested_fn(K: Any, rng: np.random.Generator) -> Built:
    i = K.Input((4,), name="inner_in")
    inner = K.Model(i, K.layers.Dense(3, activation="relu", name="d1")(i), name="inner")
    return functional(K, {"x": (4,)}, lambda x: K.layers.Dense(2, name="out")(inner(x)), rng)


@model("nested_sequential_in_sequential", "Sequential inside a Sequential")
def _nested_ss(K: Any, rng: np.random.Generator) -> Built:
    inner = K.Sequential(
        [K.Input((4,), name="inner_in"), K.layers.Dense(3, name="d1")], name="inner"
    )
    m = K.Sequential([K.Input((4,), name="x"), inner, K.layers.Dense(2, name="d2")], name="outer")
    return Built(m, {"x": normal(rng, 3, 4)})


@model("nested_model_called_twice", "one nested Functional model applied to two inputs")
def _nested_twice(K: Any, rng: np.random.Generator) -> Built:
    i = K.Input((4,), name="inner_in")
    inner = K.Model(i, K.layers.Dense(3, name="d1")(i), name="inner")
    return functional(
        K,
        {"a": (4,), "b": (4,)},
        lambda a, b: K.layers.Subtract(name="sub")([inner(a), inner(b)]),
        rng,
    )


@model("shared_layer", "one Dense applied to two inputs, then Add")
def _shared(K: Any, rng: np.random.Generator) -> Built:
    d = K.layers.Dense(4, name="shared")
    return functional(
        K, {"a": (5,), "b": (5,)}, lambda a, b: K.layers.Add(name="add")([d(a), d(b)]), rng
    )


@model("shared_layer_chain", "one Dense(4) applied twice in sequence (node index 1)")
def _shared_chain(K: Any, rng: np.random.Generator) -> Built:
    d = K.layers.Dense(4, activation="tanh", name="shared")
    return functional(K, {"x": (4,)}, lambda x: d(d(x)), rng)


@model("transformer_block", "MHA + residual + LayerNorm + Dense FFN + residual + LayerNorm")
def _transformer(K: Any, rng: np.random.Generator) -> Built:
    def body(x: Any) -> Any:
        a = K.layers.MultiHeadAttention(2, 4, name="mha")(x, x)
        h = K.layers.LayerNormalization(name="ln1")(K.layers.Add(name="res1")([x, a]))
        f = K.layers.Dense(8, name="ffn_out")(
            K.layers.Dense(16, activation="gelu", name="ffn_in")(h)
        )
        return K.layers.LayerNormalization(name="ln2")(K.layers.Add(name="res2")([h, f]))

    return functional(K, {"x": (5, 8)}, body, rng, batch=2, atol=1e-5)


# --------------------------------------------------------------------------- dtype policies


def _policy_model(K: Any, rng: np.random.Generator, policy: str, **kw: Any) -> Built:
    x = K.Input((6,), name="x")
    h = K.layers.Dense(8, activation="relu", dtype=policy, name="d1")(x)
    h = K.layers.LayerNormalization(dtype=policy, name="ln")(h)
    h = K.layers.Dense(4, dtype=policy, name="d2")(h)
    y = K.layers.Activation("softmax", dtype="float32", name="out")(h)
    return Built(K.Model(x, y), {"x": normal(rng, 3, 6)}, exact=True, **kw)


@model("policy_float16", "Dense/LayerNormalization with dtype float16 (float16 variables)")
def _f16(K: Any, rng: np.random.Generator) -> Built:
    return _policy_model(K, rng, "float16", rtol=1e-2, atol=5e-3)


@model(
    "policy_bfloat16", "dtype bfloat16 layers: bfloat16 variables stored opaque with a dtype mark"
)
def _bf16(K: Any, rng: np.random.Generator) -> Built:
    return _policy_model(K, rng, "bfloat16", rtol=5e-2, atol=2e-2)


@model("policy_mixed_float16", "mixed_float16: float32 variables, float16 compute")
def _mixed16(K: Any, rng: np.random.Generator) -> Built:
    return _policy_model(K, rng, "mixed_float16", rtol=1e-2, atol=5e-3)


@model("policy_mixed_bfloat16", "mixed_bfloat16: float32 variables, bfloat16 compute")
def _mixedbf16(K: Any, rng: np.random.Generator) -> Built:
    return _policy_model(K, rng, "mixed_bfloat16", rtol=5e-2, atol=2e-2)


@model("policy_float64", "float64 input and layers: float64 variables and outputs")
def _f64(K: Any, rng: np.random.Generator) -> Built:
    x = K.Input((5,), dtype="float64", name="x")
    y = K.layers.Dense(3, dtype="float64", name="d")(
        K.layers.BatchNormalization(dtype="float64", name="bn")(x)
    )
    # float32-representable inputs: Keras' predict() casts float64 arrays to float32 first,
    # and Keras 3.15 returns this model's outputs as float32 (hence the tolerance).
    data = rng.standard_normal((3, 5)).astype("float32").astype("float64")
    return Built(
        K.Model(x, y),
        {"x": data},
        exact=True,
        rtol=1e-6,
        atol=1e-7,
        notes="Keras 3.15 returns float32 outputs for this float64 model",
    )
