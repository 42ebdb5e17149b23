"""Runtime case models, part 2: shape and merge layers, attention, model structures, dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
from conf_models import functional, model, normal
from conf_runtime import Built

# --------------------------------------------------------------------------- shape layers


@model("permute_reshape_flatten", "Permute((2, 1, 3)) -> Reshape((6, 4)) -> Flatten -> Dense(3)")
def _shape(K: Any, rng: np.random.Generator) -> Built:
    def body(x: Any) -> Any:
        y = K.layers.Permute((2, 1, 3), name="perm")(x)
        y = K.layers.Reshape((6, 4), name="resh")(y)
        return K.layers.Dense(3, name="d")(K.layers.Flatten(name="flat")(y))

    return functional(K, {"x": (2, 3, 4)}, body, rng)


@model("reshape_inferred", "Reshape((-1, 2)) with an inferred dimension")
def _reshape(K: Any, rng: np.random.Generator) -> Built:
    return functional(K, {"x": (3, 4)}, lambda x: K.layers.Reshape((-1, 2), name="r")(x), rng)


@model("softmax_axes", "Softmax() and Softmax(axis=1) on (B, 3, 4)")
def _softmax(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (3, 4)},
        lambda x: [
            K.layers.Softmax(name="sm_last")(x),
            K.layers.Softmax(axis=1, name="sm_axis1")(x),
        ],
        rng,
    )


@model("relu_variants", "ReLU(), ReLU(max_value, negative_slope, threshold), LeakyReLU(0.2)")
def _relus(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (7,)},
        lambda x: [
            K.layers.ReLU(name="relu")(x),
            K.layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2, name="relu_opts")(x),
            K.layers.LeakyReLU(negative_slope=0.2, name="leaky")(x),
        ],
        rng,
    )


@model("prelu_shared_axes", "PReLU(shared_axes=[1]) on (B, 3, 4)")
def _prelu(K: Any, rng: np.random.Generator) -> Built:
    built = functional(
        K, {"x": (3, 4)}, lambda x: K.layers.PReLU(shared_axes=[1], name="prelu")(x), rng
    )
    return built


@model("identity_global_pooling", "Identity, GlobalAveragePooling1D() and (keepdims=True)")
def _pool(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (5, 4)},
        lambda x: [
            K.layers.Identity(name="ident")(x),
            K.layers.GlobalAveragePooling1D(name="gap")(x),
            K.layers.GlobalAveragePooling1D(keepdims=True, name="gap_keep")(x),
        ],
        rng,
    )


# --------------------------------------------------------------------------- merging


@model("merge_elementwise", "Add, Subtract, Multiply, Average, Maximum, Minimum of two inputs")
def _merge(K: Any, rng: np.random.Generator) -> Built:
    def body(a: Any, b: Any) -> Any:
        return [
            cls(name=cls.__name__.lower())([a, b])
            for cls in (
                K.layers.Add,
                K.layers.Subtract,
                K.layers.Multiply,
                K.layers.Average,
                K.layers.Maximum,
                K.layers.Minimum,
            )
        ]

    return functional(K, {"a": (4,), "b": (4,)}, body, rng)


@model("merge_three_inputs", "Add, Average and Concatenate over three inputs")
def _merge3(K: Any, rng: np.random.Generator) -> Built:
    def body(a: Any, b: Any, c: Any) -> Any:
        return [
            K.layers.Add(name="add")([a, b, c]),
            K.layers.Average(name="avg")([a, b, c]),
            K.layers.Concatenate(name="cat")([a, b, c]),
        ]

    return functional(K, {"a": (3,), "b": (3,), "c": (3,)}, body, rng)


@model("concatenate_axis1", "Concatenate(axis=1) of (B, 2, 4) and (B, 3, 4)")
def _concat(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"a": (2, 4), "b": (3, 4)},
        lambda a, b: K.layers.Concatenate(axis=1, name="cat")([a, b]),
        rng,
    )


@model("dot_products", "Dot(axes=1), Dot(axes=-1, normalize=True) and Dot(axes=(2, 2)) on rank 3")
def _dot(K: Any, rng: np.random.Generator) -> Built:
    def body(a: Any, b: Any, c: Any, d: Any) -> Any:
        return [
            K.layers.Dot(axes=1, name="dot")([a, b]),
            K.layers.Dot(axes=-1, normalize=True, name="cosine")([a, b]),
            K.layers.Dot(axes=(2, 2), name="dot3")([c, d]),
        ]

    return functional(K, {"a": (5,), "b": (5,), "c": (2, 4), "d": (3, 4)}, body, rng)


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
