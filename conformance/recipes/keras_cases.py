"""Case builders for the real-Keras oracle corpus (driven by keras_models.py).

Every builder takes a `Ctx` (the flavour-aware Keras handle plus a seeded RNG, see
keras_models.py) and returns a `Built`: the model, its inputs keyed by input name, and how
the inputs/outputs are structured. The same source runs under Keras 3 (3.0.1 ... latest),
tf.keras 2.14 and tf_keras 2.21, so only APIs common to all of them are used; where a
version lacks something the builder raises `Skip(reason)` and the driver records it in
SKIPPED.md.

Weights are NOT taken from initializers: the driver overwrites every model weight from the
case's seeded NumPy RNG after building (set_weights), so a regenerated file only depends on
the Keras version, not on its initializer RNG.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np


class Skip(Exception):
    """This Keras version cannot build the case; the message says why."""


@dataclasses.dataclass
class Built:
    model: Any
    inputs: dict[str, np.ndarray]  # ordered: the model's input order
    input_structure: str  # "single" | "list" | "dict"
    output_names: list[str]
    output_structure: str  # "single" | "list" | "dict"
    compiled: bool = False
    train: Callable[[Any], None] | None = None  # one fit() before saving
    set_weights: bool = True
    rtol: float = 1e-5
    atol: float = 1e-6
    notes: str = ""
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # more made.json keys


@dataclasses.dataclass
class Case:
    name: str
    description: str
    build: Callable[[Any], Built]
    layout: str = "keras"  # "keras" | "directory" | "weights_h5" | "sharded"
    # Returns a reason string when this writer cannot produce the case (checked before build).
    requires: Callable[[Any], str | None] = lambda ctx: None


CASES: dict[str, Case] = {}

# Attention/normalisation blocks: XLA/jax versions differ by up to ~1e-5 relative.
ATTN_TOL = {"rtol": 1e-5, "atol": 1e-5}


def case(
    name: str,
    description: str,
    layout: str = "keras",
    requires: Callable[[Any], str | None] | None = None,
) -> Callable[..., Any]:
    def deco(fn: Callable[[Any], Built]) -> Callable[[Any], Built]:
        if name in CASES:  # several modules register here; a clash would drop a case silently
            raise ValueError(f"corpus case {name!r} is defined twice")
        CASES[name] = Case(name, description, fn, layout, requires or (lambda ctx: None))
        return fn

    return deco


def _keras3_only(what: str) -> Callable[[Any], str | None]:
    def check(ctx: Any) -> str | None:
        return None if ctx.flavour == "keras3" else f"{what} (Keras 2)"

    return check


def _keras3_at_least(version: tuple[int, int]) -> Callable[[Any], str | None]:
    def check(ctx: Any) -> str | None:
        if ctx.flavour != "keras3":
            return f"needs Keras >= {version[0]}.{version[1]} (feature absent in Keras 2)"
        if ctx.version < version:
            return f"needs Keras >= {version[0]}.{version[1]}, this is {ctx.keras_version}"
        return None

    return check


# ---------------------------------------------------------------------------------------------
# Saving guide examples


@case(
    "guide_functional",
    "Keras saving guide get_model(): Input(32) -> Dense(1), Adam + MSE, "
    "fit one epoch on 128 random samples (as in the guide)",
)
def guide_functional(ctx: Any) -> Built:
    K = ctx.keras
    inputs = K.Input(shape=(32,), name="input")
    outputs = K.layers.Dense(1, name="dense")(inputs)
    model = K.Model(inputs, outputs)
    model.compile(optimizer=K.optimizers.Adam(), loss="mean_squared_error")
    x_train = ctx.rng.random((128, 32)).astype("float32")
    y_train = ctx.rng.random((128, 1)).astype("float32")

    def train(m: Any) -> None:
        m.fit(x_train, y_train, batch_size=32, epochs=1, shuffle=False, verbose=0)

    return Built(
        model,
        {"input": ctx.normal(3, 32)},
        "single",
        ["dense"],
        "single",
        compiled=True,
        train=train,
        notes="compiled with Adam, trained 4 steps (128 samples, batch 32) so "
        "optimizer/vars holds iterations=4 and Adam slots",
    )


@case(
    "guide_sequential",
    "Sequential guide: Input(4) -> Dense(2, relu, layer1) -> "
    "Dense(3, relu, layer2) -> Dense(4, layer3)",
)
def guide_sequential(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    model = K.Sequential(
        [
            K.Input(shape=(4,), name="x"),
            L.Dense(2, activation="relu", name="layer1"),
            L.Dense(3, activation="relu", name="layer2"),
            L.Dense(4, name="layer3"),
        ],
        name="my_sequential",
    )
    return Built(model, {"x": ctx.normal(3, 4)}, "single", ["layer3"], "single")


@case(
    "mlp_bn_dropout",
    "Sequential Dense(8,relu) -> BatchNormalization -> Dropout(0.5) -> "
    "Dense(3,softmax); Adam + sparse CE + accuracy; one fit step (optimizer state saved)",
)
def mlp_bn_dropout(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    model = K.Sequential(
        [
            K.Input(shape=(4,), name="x"),
            L.Dense(8, activation="relu"),
            L.BatchNormalization(),
            L.Dropout(0.5),
            L.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=K.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    x_train = ctx.normal(8, 4)
    y_train = ctx.rng.integers(0, 3, size=(8,)).astype("int32")

    def train(m: Any) -> None:
        m.fit(x_train, y_train, batch_size=8, epochs=1, shuffle=False, verbose=0)

    return Built(
        model,
        {"x": ctx.normal(3, 4)},
        "single",
        [model.layers[-1].name],
        "single",
        compiled=True,
        train=train,
        notes="weights (incl. BN moving stats) set from the seeded RNG, then one fit "
        "step (batch 8, dropout active in training), so BN moving stats and "
        "Adam m/v are non-trivial; iterations=1. Dropout is identity at inference.",
    )


# ---------------------------------------------------------------------------------------------
# Dense and activations


@case("dense_rank3", "Dense(4) applied to a (B, 5, 6) input (contracts the last axis)")
def dense_rank3(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(5, 6), name="x")
    y = K.layers.Dense(4, activation="tanh", name="out")(x)
    return Built(K.Model(x, y), {"x": ctx.normal(2, 5, 6)}, "single", ["out"], "single")


@case("dense_no_bias", "Dense(4, use_bias=False) -> Dense(3, tanh, use_bias=False)")
def dense_no_bias(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6,), name="x")
    h = K.layers.Dense(4, use_bias=False)(x)
    y = K.layers.Dense(3, activation="tanh", use_bias=False, name="out")(h)
    return Built(K.Model(x, y), {"x": ctx.normal(3, 6)}, "single", ["out"], "single")


def _activation_note(ctx: Any) -> str:
    missing = [n for n in ctx.activation_candidates if n not in ctx.activation_aliases]
    aliases = {n: c for n, c in ctx.activation_aliases.items() if n != c}
    return (
        f"activations used (canonical names): {ctx.activations}; "
        f"names this version does not provide or cannot apply without arguments: {missing}; "
        f"aliases resolved to a canonical name: {aliases}"
    )


@case(
    "activations_all",
    "Dense(8) then one Activation(name) layer per activation this version "
    "applies by name without extra arguments (deduplicated by serialized name), concatenated",
)
def activations_all(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6,), name="x")
    h = K.layers.Dense(8, name="pre")(x)
    branches = [K.layers.Activation(a, name=f"act_{a}")(h) for a in ctx.activations]
    y = K.layers.Concatenate(name="concat")(branches)
    return Built(
        K.Model(x, y),
        {"x": 1.5 * ctx.normal(3, 6)},
        "single",
        ["concat"],
        "single",
        notes=_activation_note(ctx) + ". Output column block k (width 8, or 4 for glu) "
        "belongs to activation k in that list (Dense layers with an activation "
        "argument appear in the other cases: relu, tanh, sigmoid, softmax, gelu).",
        extra={"activations": list(ctx.activations)},
    )


@case(
    "softmax_relu_identity",
    "Softmax(axis=1), Softmax(), ReLU(max_value, negative_slope, "
    "threshold), ReLU(), LeakyReLU(), PReLU, Identity (where it exists) on (B, 3, 5)",
)
def softmax_relu_identity(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(3, 5), name="x")
    outs = [
        L.Softmax(axis=1, name="softmax_axis1")(x),
        L.Softmax(name="softmax_last")(x),
        L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5, name="relu_params")(x),
        L.ReLU(name="relu_plain")(x),
        L.LeakyReLU(name="leaky_relu")(x),
        L.PReLU(name="prelu")(x),
    ]
    notes = "PReLU alpha (shape (3, 5)) set from the RNG. LeakyReLU uses its default slope."
    if hasattr(L, "Identity"):
        outs.append(L.Identity(name="identity")(x))
    else:
        notes += " This version has no keras.layers.Identity."
    names = [ctx.layer_name_of(t) for t in outs]
    return Built(
        K.Model(x, outs), {"x": 2.0 * ctx.normal(2, 3, 5)}, "single", names, "list", notes=notes
    )


# ---------------------------------------------------------------------------------------------
# Normalisation, embedding, einsum


@case(
    "batchnorm_axis",
    "BatchNormalization with axis=1 on (B, C=4, W=5): custom epsilon, "
    "center=False, scale=False; plus axis=-1 with neither; four outputs",
)
def batchnorm_axis(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 5), name="x")
    outs = [
        L.BatchNormalization(axis=1, epsilon=1e-2, name="bn_axis1_eps")(x),
        L.BatchNormalization(axis=1, center=False, name="bn_axis1_nocenter")(x),
        L.BatchNormalization(axis=1, scale=False, name="bn_axis1_noscale")(x),
        L.BatchNormalization(
            axis=-1, center=False, scale=False, epsilon=1e-5, name="bn_last_plain"
        )(x),
    ]
    names = [ctx.layer_name_of(t) for t in outs]
    return Built(
        K.Model(x, outs),
        {"x": ctx.normal(3, 4, 5)},
        "single",
        names,
        "list",
        notes="moving_mean ~ N(0, 0.3), moving_variance ~ U(0.5, 2), gamma ~ 1+N(0,0.2), "
        "beta ~ N(0, 0.2) from the RNG (inference uses the moving stats)",
    )


@case(
    "layernorm",
    "LayerNormalization on (B, 4, 6): axis=-1, axis=[1, 2], axis=1, center=False, "
    "scale=False, and neither (epsilon 1e-2)",
)
def layernorm(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 6), name="x")
    outs = [
        L.LayerNormalization(name="ln_last")(x),
        L.LayerNormalization(axis=[1, 2], name="ln_axes_1_2")(x),
        L.LayerNormalization(axis=1, name="ln_axis1")(x),
        L.LayerNormalization(center=False, name="ln_nocenter")(x),
        L.LayerNormalization(scale=False, name="ln_noscale")(x),
        L.LayerNormalization(center=False, scale=False, epsilon=1e-2, name="ln_plain")(x),
    ]
    names = [ctx.layer_name_of(t) for t in outs]
    return Built(
        K.Model(x, outs),
        {"x": 2.0 * ctx.normal(2, 4, 6) + 0.5},
        "single",
        names,
        "list",
        notes="gamma ~ 1+N(0,0.2), beta ~ N(0,0.2) from the RNG.",
        **ATTN_TOL,
    )


def _needs_rms_scaling(ctx: Any) -> str | None:
    L = ctx.keras.layers
    if "rms_scaling" in inspect.signature(L.LayerNormalization.__init__).parameters:
        return None
    if ctx.flavour == "keras3":  # 3.10+ still accepts it through **kwargs (deprecated)
        return None
    return "LayerNormalization has no rms_scaling argument"


@case(
    "layernorm_rms",
    "LayerNormalization(rms_scaling=True) on (B, 4, 6)",
    requires=_needs_rms_scaling,
)
def layernorm_rms(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(4, 6), name="x")
    y = K.layers.LayerNormalization(rms_scaling=True, name="ln_rms")(x)
    notes = (
        "gamma ~ 1+N(0,0.2) from the RNG; later Keras 3 versions deprecate rms_scaling "
        "(it scales by the variance, not the root mean square; see RMSNormalization)."
    )
    if ctx.flavour == "keras3" and ctx.version < (3, 1):
        notes += (
            " Keras 3.0.x builds only gamma for rms_scaling=True but its get_config omits "
            "rms_scaling, so config.json describes a plain LayerNormalization (gamma and "
            "beta) while the weights file holds one variable: the file does not load back "
            "(see reload_check); the outputs are those of the rms_scaling layer."
        )
    return Built(
        K.Model(x, y),
        {"x": 2.0 * ctx.normal(2, 4, 6) + 0.5},
        "single",
        ["ln_rms"],
        "single",
        notes=notes,
        **ATTN_TOL,
    )


@case(
    "rms_normalization",
    "RMSNormalization() and RMSNormalization(axis=[1, 2], epsilon=1e-3) on (B, 4, 6)",
    requires=lambda ctx: (
        None
        if hasattr(ctx.keras.layers, "RMSNormalization")
        else "no keras.layers.RMSNormalization in this version"
    ),
)
def rms_normalization(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 6), name="x")
    outs = [
        L.RMSNormalization(name="rms_last")(x),
        L.RMSNormalization(axis=[1, 2], epsilon=1e-3, name="rms_axes_1_2")(x),
    ]
    return Built(
        K.Model(x, outs),
        {"x": 2.0 * ctx.normal(2, 4, 6) + 0.5},
        "single",
        ["rms_last", "rms_axes_1_2"],
        "list",
        notes="scale ~ 1+N(0,0.2) from the RNG",
        **ATTN_TOL,
    )


@case(
    "embedding",
    "Embedding(20, 8) on int32 token ids, and a mask_zero=True Embedding "
    "feeding GlobalAveragePooling1D (masked mean)",
)
def embedding(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    tok = K.Input(shape=(5,), dtype="int32", name="tokens")
    e = L.Embedding(20, 8, name="emb")(tok)
    m = L.Embedding(20, 8, mask_zero=True, name="emb_masked")(tok)
    p = L.GlobalAveragePooling1D(name="pooled")(m)
    ids = ctx.rng.integers(1, 20, size=(3, 5)).astype("int32")
    ids[0, 3:] = 0
    ids[1, 1:] = 0
    return Built(
        K.Model(tok, [e, p]),
        {"tokens": ids},
        "single",
        ["emb", "pooled"],
        "list",
        notes="token 0 is padding: rows 0 and 1 end in zeros; 'pooled' averages only "
        "unmasked positions",
    )


@case(
    "einsum_dense",
    "EinsumDense 'abc,cde->abde' (bias de, relu) then 'abcd,cde->abe' (bias e) "
    "then 'ab,bc->ac' on the flattened result",
)
def einsum_dense(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(5, 6), name="x")
    h = L.EinsumDense(
        "abc,cde->abde", output_shape=(5, 2, 4), bias_axes="de", activation="relu", name="ed1"
    )(x)
    h = L.EinsumDense("abcd,cde->abe", output_shape=(5, 3), bias_axes="e", name="ed2")(h)
    f = L.Flatten(name="flat")(h)
    y = L.EinsumDense("ab,bc->ac", output_shape=4, name="ed3")(f)
    return Built(K.Model(x, [h, y]), {"x": ctx.normal(2, 5, 6)}, "single", ["ed2", "ed3"], "list")


# ---------------------------------------------------------------------------------------------
# Graph structure


@case(
    "merge_layers",
    "Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate of two (B, 8) inputs",
)
def merge_layers(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    a = K.Input(shape=(8,), name="a")
    b = K.Input(shape=(8,), name="b")
    outs = [
        L.Add(name="add")([a, b]),
        L.Subtract(name="subtract")([a, b]),
        L.Multiply(name="multiply")([a, b]),
        L.Average(name="average")([a, b]),
        L.Maximum(name="maximum")([a, b]),
        L.Minimum(name="minimum")([a, b]),
        L.Concatenate(name="concatenate")([a, b]),
    ]
    return Built(
        K.Model([a, b], outs),
        {"a": ctx.normal(3, 8), "b": ctx.normal(3, 8)},
        "list",
        [ctx.layer_name_of(t) for t in outs],
        "list",
    )


@case("merge_dot", "Dot(axes=1) and Dot(axes=-1, normalize=True) of two (B, 8) inputs")
def merge_dot(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    a = K.Input(shape=(8,), name="a")
    b = K.Input(shape=(8,), name="b")
    outs = [
        L.Dot(axes=1, name="dot")([a, b]),
        L.Dot(axes=-1, normalize=True, name="cosine")([a, b]),
    ]
    return Built(
        K.Model([a, b], outs),
        {"a": ctx.normal(3, 8), "b": ctx.normal(3, 8)},
        "list",
        ["dot", "cosine"],
        "list",
    )


@case(
    "reshape_permute_flatten",
    "(B, 4, 6) -> Reshape((6, 4)) -> Permute((2, 1)) -> "
    "Reshape((-1, 3)) output, and Flatten -> Dense(5) output",
)
def reshape_permute_flatten(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 6), name="x")
    h = L.Reshape((6, 4), name="reshape")(x)
    h = L.Permute((2, 1), name="permute")(h)
    r = L.Reshape((-1, 3), name="reshape_minus1")(h)
    f = L.Flatten(name="flatten")(h)
    y = L.Dense(5, name="out")(f)
    return Built(
        K.Model(x, [r, y]), {"x": ctx.normal(2, 4, 6)}, "single", ["reshape_minus1", "out"], "list"
    )


@case("multi_io_list", "two inputs (B,6),(B,4) and two outputs, as lists")
def multi_io_list(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    a = K.Input(shape=(6,), name="a")
    b = K.Input(shape=(4,), name="b")
    h = L.Concatenate(name="concat")(
        [L.Dense(8, activation="relu", name="da")(a), L.Dense(8, activation="relu", name="db")(b)]
    )
    y1 = L.Dense(3, name="out1")(h)
    y2 = L.Dense(2, activation="sigmoid", name="out2")(h)
    return Built(
        K.Model([a, b], [y1, y2]),
        {"a": ctx.normal(3, 6), "b": ctx.normal(3, 4)},
        "list",
        ["out1", "out2"],
        "list",
    )


@case("multi_io_dict", "dict inputs {'a', 'b'} and dict outputs {'y1', 'y2'}")
def multi_io_dict(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    a = K.Input(shape=(6,), name="a")
    b = K.Input(shape=(4,), name="b")
    h = L.Concatenate(name="concat")(
        [L.Dense(8, activation="relu", name="da")(a), L.Dense(8, activation="relu", name="db")(b)]
    )
    y1 = L.Dense(3, name="y1")(h)
    y2 = L.Dense(2, activation="sigmoid", name="y2")(h)
    model = K.Model(inputs={"a": a, "b": b}, outputs={"y1": y1, "y2": y2})
    return Built(
        model,
        {"a": ctx.normal(3, 6), "b": ctx.normal(3, 4)},
        "dict",
        ["y1", "y2"],
        "dict",
        notes="dict keys equal the Input / output layer names",
    )


@case(
    "nested_sequential_in_functional",
    "Functional: Input(8) -> Sequential[Dense(6,relu), Dense(4)] -> Dense(3)",
)
def nested_sequential_in_functional(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    inner = K.Sequential(
        [K.Input(shape=(8,), name="inner_x"), L.Dense(6, activation="relu"), L.Dense(4)],
        name="inner_seq",
    )
    x = K.Input(shape=(8,), name="x")
    y = L.Dense(3, name="out")(inner(x))
    return Built(K.Model(x, y, name="outer"), {"x": ctx.normal(3, 8)}, "single", ["out"], "single")


@case(
    "nested_functional_in_functional",
    "Functional calling an inner Functional (Input(8) -> Dense(6,relu) -> Dense(4)), then Dense(3)",
)
def nested_functional_in_functional(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    ix = K.Input(shape=(8,), name="inner_x")
    inner = K.Model(
        ix, L.Dense(4, name="inner_out")(L.Dense(6, activation="relu")(ix)), name="inner_fn"
    )
    x = K.Input(shape=(8,), name="x")
    y = L.Dense(3, name="out")(inner(x))
    return Built(K.Model(x, y, name="outer"), {"x": ctx.normal(3, 8)}, "single", ["out"], "single")


@case("shared_layer", "one Dense(4) called on two inputs, results concatenated")
def shared_layer(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    a = K.Input(shape=(6,), name="a")
    b = K.Input(shape=(6,), name="b")
    d = L.Dense(4, activation="relu", name="shared")
    y = L.Concatenate(name="out")([d(a), d(b)])
    return Built(
        K.Model([a, b], y),
        {"a": ctx.normal(3, 6), "b": ctx.normal(3, 6)},
        "list",
        ["out"],
        "single",
        notes="the Dense has two inbound nodes (node index 0 and 1)",
    )


@case(
    "functional_ops",
    "Functional graph using plain operators on symbolic tensors: "
    "(x + 1.0) * Dense(x), so the config holds non-Layer ops (Keras 3) or TFOpLambda (Keras 2)",
)
def functional_ops(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(4,), name="x")
    d = K.layers.Dense(4, name="dense")(x)
    y = (x + 1.0) * d
    return Built(
        K.Model(x, y),
        {"x": ctx.normal(3, 4)},
        "single",
        [ctx.layer_name_of(y)],
        "single",
        notes="output name is whatever this Keras named the final multiply operation",
    )


# ---------------------------------------------------------------------------------------------
# MultiHeadAttention


def _mha(ctx: Any, **kw: Any) -> Any:
    return ctx.keras.layers.MultiHeadAttention(**kw)


@case("mha_self", "MultiHeadAttention(num_heads=2, key_dim=4) self-attention on (B, 6, 16)")
def mha_self(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6, 16), name="x")
    y = _mha(ctx, num_heads=2, key_dim=4, name="mha")(x, x)
    return Built(
        K.Model(x, y), {"x": ctx.normal(2, 6, 16)}, "single", ["mha"], "single", **ATTN_TOL
    )


@case(
    "mha_cross",
    "MHA(2, key_dim=4) with query (B,5,16) and value (B,7,12) of different lengths and widths",
)
def mha_cross(ctx: Any) -> Built:
    K = ctx.keras
    q = K.Input(shape=(5, 16), name="query")
    v = K.Input(shape=(7, 12), name="value")
    y = _mha(ctx, num_heads=2, key_dim=4, name="mha")(q, v)
    return Built(
        K.Model([q, v], y),
        {"query": ctx.normal(2, 5, 16), "value": ctx.normal(2, 7, 12)},
        "list",
        ["mha"],
        "single",
        **ATTN_TOL,
    )


@case(
    "mha_key_separate",
    "MHA(2, key_dim=4) with query (B,5,16), value (B,7,12) and a "
    "separate key (B,7,8) passed as key=",
)
def mha_key_separate(ctx: Any) -> Built:
    K = ctx.keras
    q = K.Input(shape=(5, 16), name="query")
    v = K.Input(shape=(7, 12), name="value")
    k = K.Input(shape=(7, 8), name="key")
    y = _mha(ctx, num_heads=2, key_dim=4, name="mha")(q, v, key=k)
    return Built(
        K.Model([q, v, k], y),
        {"query": ctx.normal(2, 5, 16), "value": ctx.normal(2, 7, 12), "key": ctx.normal(2, 7, 8)},
        "list",
        ["mha"],
        "single",
        **ATTN_TOL,
    )


@case("mha_value_dim", "MHA(2, key_dim=4, value_dim=6) cross attention (value_dim != key_dim)")
def mha_value_dim(ctx: Any) -> Built:
    K = ctx.keras
    q = K.Input(shape=(5, 16), name="query")
    v = K.Input(shape=(7, 12), name="value")
    y = _mha(ctx, num_heads=2, key_dim=4, value_dim=6, name="mha")(q, v)
    return Built(
        K.Model([q, v], y),
        {"query": ctx.normal(2, 5, 16), "value": ctx.normal(2, 7, 12)},
        "list",
        ["mha"],
        "single",
        **ATTN_TOL,
    )


@case("mha_output_shape", "MHA(2, key_dim=4, output_shape=10): output width differs from query")
def mha_output_shape(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6, 16), name="x")
    y = _mha(ctx, num_heads=2, key_dim=4, output_shape=10, name="mha")(x, x)
    return Built(
        K.Model(x, y), {"x": ctx.normal(2, 6, 16)}, "single", ["mha"], "single", **ATTN_TOL
    )


@case(
    "mha_output_shape_tuple",
    "MHA(2, key_dim=4, output_shape=(2, 5)): a multi-axis output (B, T, 2, 5)",
)
def mha_output_shape_tuple(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6, 16), name="x")
    y = _mha(ctx, num_heads=2, key_dim=4, output_shape=(2, 5), name="mha")(x, x)
    return Built(
        K.Model(x, y), {"x": ctx.normal(2, 6, 16)}, "single", ["mha"], "single", **ATTN_TOL
    )


@case("mha_no_bias", "MHA(2, key_dim=4, use_bias=False) self-attention")
def mha_no_bias(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6, 16), name="x")
    y = _mha(ctx, num_heads=2, key_dim=4, use_bias=False, name="mha")(x, x)
    return Built(
        K.Model(x, y), {"x": ctx.normal(2, 6, 16)}, "single", ["mha"], "single", **ATTN_TOL
    )


@case("mha_attention_axes", "MHA(2, key_dim=4, attention_axes=(1, 2)) on a 4-D (B, 3, 4, 8) input")
def mha_attention_axes(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(3, 4, 8), name="x")
    y = _mha(ctx, num_heads=2, key_dim=4, attention_axes=(1, 2), name="mha")(x, x)
    return Built(
        K.Model(x, y), {"x": ctx.normal(2, 3, 4, 8)}, "single", ["mha"], "single", **ATTN_TOL
    )


@case("mha_causal", "MHA(2, key_dim=4) self-attention called with use_causal_mask=True")
def mha_causal(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6, 16), name="x")
    y = _mha(ctx, num_heads=2, key_dim=4, name="mha")(x, x, use_causal_mask=True)
    return Built(
        K.Model(x, y), {"x": ctx.normal(2, 6, 16)}, "single", ["mha"], "single", **ATTN_TOL
    )


@case(
    "mha_scores",
    "MHA(2, key_dim=4) cross attention with return_attention_scores=True "
    "(two outputs: attention output and scores (B, heads, Tq, Tv))",
)
def mha_scores(ctx: Any) -> Built:
    K = ctx.keras
    q = K.Input(shape=(5, 16), name="query")
    v = K.Input(shape=(7, 16), name="value")
    out, scores = _mha(ctx, num_heads=2, key_dim=4, name="mha")(q, v, return_attention_scores=True)
    # Name the two outputs through identity-like layers so the output names are stable.
    out = K.layers.Activation("linear", name="attention_output")(out)
    scores = K.layers.Activation("linear", name="attention_scores")(scores)
    return Built(
        K.Model([q, v], [out, scores]),
        {"query": ctx.normal(2, 5, 16), "value": ctx.normal(2, 7, 16)},
        "list",
        ["attention_output", "attention_scores"],
        "list",
        notes="both MHA outputs pass through Activation('linear') layers named "
        "attention_output / attention_scores",
        **ATTN_TOL,
    )


@case(
    "mha_masks",
    "Embedding(mask_zero=True) feeding self-attention MHA(2, key_dim=8) so the "
    "query/value masks propagate, plus an explicit boolean attention_mask input (B, 6, 6)",
)
def mha_masks(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    tok = K.Input(shape=(6,), dtype="int32", name="tokens")
    am = K.Input(shape=(6, 6), dtype="bool", name="attention_mask")
    e = L.Embedding(20, 16, mask_zero=True, name="emb")(tok)
    y = _mha(ctx, num_heads=2, key_dim=8, name="mha")(e, e, attention_mask=am)
    ids = ctx.rng.integers(1, 20, size=(3, 6)).astype("int32")
    ids[0, 4:] = 0
    ids[1, 2:] = 0
    mask = ctx.rng.random((3, 6, 6)) < 0.7
    mask[:, np.arange(6), np.arange(6)] = True
    return Built(
        K.Model([tok, am], y),
        {"tokens": ids, "attention_mask": mask},
        "list",
        ["mha"],
        "single",
        notes="token 0 is padding (rows 0, 1 end in zeros); attention_mask is random "
        "with a True diagonal; effective mask = attention_mask & query_mask[:, :, "
        "None] & value_mask[:, None, :]. Rows of padded queries are fully masked: "
        "their outputs are whatever this Keras computes for an all-masked softmax.",
        **ATTN_TOL,
    )


@case(
    "transformer_block",
    "post-LN encoder block: MHA(2 heads, key_dim 8) + Add + "
    "LayerNormalization + Dense(32, gelu) + Dense(16) + Add + LayerNormalization; seq 6, width 16",
)
def transformer_block(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(6, 16), name="x")
    a = _mha(ctx, num_heads=2, key_dim=8, name="self_attention")(x, x)
    h = L.LayerNormalization(epsilon=1e-6, name="ln1")(L.Add(name="add1")([x, a]))
    f = L.Dense(32, activation="gelu", name="ffn1")(h)
    f = L.Dense(16, name="ffn2")(f)
    y = L.LayerNormalization(epsilon=1e-6, name="ln2")(L.Add(name="add2")([h, f]))
    return Built(
        K.Model(x, y, name="encoder_block"),
        {"x": ctx.normal(2, 6, 16)},
        "single",
        ["ln2"],
        "single",
        **ATTN_TOL,
    )


# ---------------------------------------------------------------------------------------------
# dtypes


def _mixed_model(ctx: Any, policy: str) -> Any:
    K = ctx.keras
    L = K.layers
    K.mixed_precision.set_global_policy(policy)
    try:
        x = K.Input(shape=(8,), name="x")
        h = L.Dense(16, activation="relu", name="dense1")(x)
        h = L.LayerNormalization(name="ln")(h)
        h = L.Dense(4, name="dense2")(h)
        y = L.Activation("softmax", dtype="float32", name="out")(h)
        return K.Model(x, y)
    finally:
        K.mixed_precision.set_global_policy("float32")


@case(
    "mixed_float16",
    "global policy mixed_float16 while building Dense -> LayerNorm -> Dense, "
    "final Activation(softmax, dtype=float32)",
)
def mixed_float16(ctx: Any) -> Built:
    return Built(
        _mixed_model(ctx, "mixed_float16"),
        {"x": ctx.normal(3, 8)},
        "single",
        ["out"],
        "single",
        rtol=1e-2,
        atol=2e-3,
        notes="variables float32, compute float16 (inputs cast to float16 per layer); "
        "tolerance rtol 1e-2 / atol 2e-3 because a float32 re-computation differs "
        "from float16 arithmetic by about float16 eps (9.8e-4) per step",
    )


@case(
    "mixed_bfloat16",
    "global policy mixed_bfloat16 while building Dense -> LayerNorm -> Dense, "
    "final Activation(softmax, dtype=float32)",
)
def mixed_bfloat16(ctx: Any) -> Built:
    return Built(
        _mixed_model(ctx, "mixed_bfloat16"),
        {"x": ctx.normal(3, 8)},
        "single",
        ["out"],
        "single",
        rtol=5e-2,
        atol=2e-2,
        notes="variables float32, compute bfloat16; tolerance rtol 5e-2 / atol 2e-2 "
        "because bfloat16 eps is 7.8e-3",
    )


@case(
    "bfloat16_weights",
    "Dense(8, dtype='bfloat16') between float32 layers, so its weights are stored as bfloat16",
)
def bfloat16_weights(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(6,), name="x")
    h = L.Dense(8, activation="relu", dtype="bfloat16", name="dense_bf16")(x)
    y = L.Dense(3, name="out")(h)
    return Built(
        K.Model(x, y),
        {"x": ctx.normal(3, 6)},
        "single",
        ["out"],
        "single",
        rtol=5e-2,
        atol=2e-2,
        notes="dense_bf16 kernel/bias are bfloat16 variables (values are the RNG floats "
        "rounded to bfloat16); its compute dtype is bfloat16, the next Dense casts "
        "back to float32; tolerance rtol 5e-2 / atol 2e-2",
    )


# ---------------------------------------------------------------------------------------------
# Layouts


def _small_functional(ctx: Any) -> Any:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(6,), name="x")
    h = L.Dense(8, activation="relu", name="dense1")(x)
    h = L.BatchNormalization(name="bn")(h)
    y = L.Dense(3, name="out")(h)
    return K.Model(x, y)


@case(
    "weights_only",
    "model.save_weights('model.weights.h5') of Input(6) -> Dense(8) -> BN -> "
    "Dense(3); model.keras of the same model saved alongside for the architecture",
    layout="weights_h5",
)
def weights_only(ctx: Any) -> Built:
    return Built(_small_functional(ctx), {"x": ctx.normal(3, 6)}, "single", ["out"], "single")


@case(
    "sharded_weights",
    "save_weights('model.weights.json', max_shard_size=4100 bytes in GiB) of "
    "Input(16) -> Dense(32) x3 -> Dense(8): five shards, two layers straddling a shard boundary",
    layout="sharded",
    requires=_keras3_at_least((3, 10)),
)
def sharded_weights(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    model = K.Sequential(
        [
            K.Input(shape=(16,), name="x"),
            L.Dense(32, activation="relu"),
            L.Dense(32, activation="relu"),
            L.Dense(32, activation="relu"),
            L.Dense(8),
        ]
    )
    return Built(model, {"x": ctx.normal(3, 16)}, "single", [model.layers[-1].name], "single")


@case(
    "unzipped_dir",
    "model.save('model', zipped=False): the .keras members as a directory",
    layout="directory",
    requires=_keras3_at_least((3, 4)),
)
def unzipped_dir(ctx: Any) -> Built:
    return Built(_small_functional(ctx), {"x": ctx.normal(3, 6)}, "single", ["out"], "single")


# ---------------------------------------------------------------------------------------------
# Custom object


def custom_layer_source() -> str:
    return inspect.getsource(make_scale_layer)


def make_scale_layer(K: Any) -> type:
    """The registered custom layer (defined per flavour because the base class differs)."""
    register = (
        K.saving.register_keras_serializable
        if hasattr(K, "saving") and hasattr(K.saving, "register_keras_serializable")
        else K.utils.register_keras_serializable
    )

    @register(package="MyLayers")
    class ScaleShift(K.layers.Layer):
        """y = x * scale + shift, with one trainable per-feature `scale` variable."""

        def __init__(self, shift: float = 0.0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.shift = shift

        def build(self, input_shape: Any) -> None:
            self.scale = self.add_weight(
                name="scale", shape=(int(input_shape[-1]),), initializer="ones", trainable=True
            )
            self.built = True

        def call(self, inputs: Any) -> Any:
            return inputs * self.scale + self.shift

        def get_config(self) -> dict[str, Any]:
            config = super().get_config()
            config.update({"shift": self.shift})
            return config

    return ScaleShift


@case(
    "custom_registered",
    "Input(6) -> Dense(6) -> ScaleShift (registered 'MyLayers>ScaleShift', "
    "one add_weight variable, config key shift=0.5) -> Dense(3)",
)
def custom_registered(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    scale_shift = ctx.custom_layer_class()
    x = K.Input(shape=(6,), name="x")
    h = L.Dense(6, name="dense1")(x)
    h = scale_shift(shift=0.5, name="scale_shift")(h)
    y = L.Dense(3, name="out")(h)
    return Built(
        K.Model(x, y),
        {"x": ctx.normal(3, 6)},
        "single",
        ["out"],
        "single",
        notes="custom layer (needs a user-supplied implementation to run; registered as "
        "MyLayers>ScaleShift, defined in conformance/recipes/keras_cases.py "
        "make_scale_layer; y = x * scale + shift, scale shape (features,)). "
        "Source:\n" + custom_layer_source(),
    )


# ---------------------------------------------------------------------------------------------
# Convolutions (tf.keras/tf_keras write Conv's `groups` on transposed, depthwise and separable
# layers, and Conv's kernel_* keys on separable ones; Keras < 3.15 drops output_padding)

CONV_TOL = {"rtol": 1e-5, "atol": 1e-5}  # XLA's and oneDNN's convolutions sum in other orders


@case(
    "conv2d_family",
    "Sequential (8, 8, 4): Conv2D(same, relu) -> Conv2D(strides 2, groups 2) "
    "-> DepthwiseConv2D(same, depth_multiplier 2) -> SeparableConv2D(same, dilation 2) -> "
    "Conv2DTranspose(strides 2, same, output_padding 1)",
)
def conv2d_family(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    model = K.Sequential(
        [
            K.Input(shape=(8, 8, 4), name="x"),
            L.Conv2D(4, 3, padding="same", activation="relu"),
            L.Conv2D(4, 3, strides=2, groups=2),
            L.DepthwiseConv2D(3, padding="same", depth_multiplier=2),
            L.SeparableConv2D(4, 3, padding="same", dilation_rate=2),
            L.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1),
        ]
    )
    return Built(
        model,
        {"x": ctx.normal(2, 8, 8, 4)},
        "single",
        [model.layers[-1].name],
        "single",
        **CONV_TOL,
    )


@case(
    "conv1d_family",
    "Sequential (10, 3): Conv1D(causal, dilation 2) -> SeparableConv1D(same) "
    "-> DepthwiseConv1D -> Conv1DTranspose(strides 2)",
)
def conv1d_family(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    model = K.Sequential(
        [
            K.Input(shape=(10, 3), name="x"),
            L.Conv1D(4, 3, padding="causal", dilation_rate=2),
            L.SeparableConv1D(4, 3, padding="same"),
            L.DepthwiseConv1D(3),
            L.Conv1DTranspose(2, 3, strides=2),
        ]
    )
    return Built(
        model, {"x": ctx.normal(2, 10, 3)}, "single", [model.layers[-1].name], "single", **CONV_TOL
    )


@case("conv3d", "Sequential (4, 5, 4, 2): Conv3D(same) -> Conv3DTranspose(strides 2)")
def conv3d(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    model = K.Sequential(
        [
            K.Input(shape=(4, 5, 4, 2), name="x"),
            L.Conv3D(3, 2, padding="same"),
            L.Conv3DTranspose(2, 2, strides=2),
        ]
    )
    return Built(
        model,
        {"x": ctx.normal(2, 4, 5, 4, 2)},
        "single",
        [model.layers[-1].name],
        "single",
        **CONV_TOL,
    )


def _not_on_tf_cpu(ctx: Any) -> str | None:
    if ctx.flavour != "keras3":
        return "TensorFlow's CPU Conv2D kernel has no channels_first (NCHW) layout"
    return None


@case(
    "conv2d_channels_first",
    "Sequential (3, 6, 6): Conv2D(channels_first, groups 3) -> "
    "Conv2DTranspose(channels_first, strides 2) -> Flatten -> Dense(2)",
    requires=_not_on_tf_cpu,
)
def conv2d_channels_first(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    model = K.Sequential(
        [
            K.Input(shape=(3, 6, 6), name="x"),
            L.Conv2D(6, 3, groups=3, data_format="channels_first"),
            L.Conv2DTranspose(2, 2, strides=2, data_format="channels_first"),
            L.Flatten(),
            L.Dense(2),
        ]
    )
    return Built(
        model,
        {"x": ctx.normal(2, 3, 6, 6)},
        "single",
        [model.layers[-1].name],
        "single",
        **CONV_TOL,
    )
