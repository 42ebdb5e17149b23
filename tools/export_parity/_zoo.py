"""In-code runtime models for the parity suite: the options the Keras corpus does not reach.

Every runtime layer option the export translates appears here at least once:
masks through every merge layer, pooling, Softmax and nested models; every
MultiHeadAttention path (sliding window, gate, dropout > 0 with masks, scores);
every Keras operation and tf-keras function of the runtime's tables; every
activation (the Keras 2 ``hard_sigmoid`` included); multi-axis normalization;
mixed float16/bfloat16 policies; nested output structures. Weights are random
(not the initializers' zeros and ones) so each one matters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tools.export_parity._cases import BF16_TOL, F16_TOL, Case

__all__ = ["zoo_cases"]


def _randomize(model: Any, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    for v in model.weights:
        if v.dtype.startswith("int"):
            continue
        if "variance" in v.name or "stddev" in v.name:
            value = rng.uniform(0.5, 1.5, v.shape)
        else:
            value = rng.normal(0.0, 0.5, v.shape)
        v.assign(np.asarray(value, dtype=np.float32).astype(v.numpy().dtype))
    return model


def _floats(seed: int, *shape: int, low: float = -2.0, high: float = 2.0) -> Any:
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def _tokens(seed: int, *shape: int) -> Any:
    ids = np.random.default_rng(seed).integers(1, 9, shape).astype(np.int32)
    ids[:, -2:] = 0  # padding: the masks matter
    return ids


def _masked_merges() -> Any:
    import reference_runtime as rr
    from reference_runtime import ops

    ids = rr.Input((6,), dtype="int32", name="ids")
    e1 = rr.layers.Embedding(10, 4, mask_zero=True)(ids)
    e2 = rr.layers.Embedding(10, 4, mask_zero=True)(ids)
    d = rr.layers.Dense(4)(e1)
    merged = [
        rr.layers.Maximum()([e1, d]),
        rr.layers.Minimum()([e2, d]),
        rr.layers.Multiply()([e1, e2]),
        rr.layers.Add()([e1, d]),
        rr.layers.Average()([e2, d]),
        rr.layers.Subtract()([e1, e2]),
    ]
    cat = rr.layers.Concatenate()([*merged, rr.layers.Dense(3)(e1)])
    pooled = rr.layers.GlobalAveragePooling1D()(cat)
    logits = rr.layers.Reshape((6,))(rr.layers.Dense(1)(e1))
    soft = rr.layers.Softmax()(logits, mask=ops.not_equal(ids, 0))  # an explicit mask
    return rr.Model(ids, [pooled, soft])


def _attention_paths() -> Any:
    import reference_runtime as rr

    ids = rr.Input((5,), dtype="int32", name="ids")
    x = rr.layers.Embedding(10, 8, mask_zero=True)(ids)
    y = rr.layers.MultiHeadAttention(2, 4, sliding_window=2, use_gate=True)(x, x)
    z, scores = rr.layers.MultiHeadAttention(2, 3, value_dim=2, dropout=0.1)(
        y, x, use_causal_mask=True, return_attention_scores=True
    )
    w = rr.layers.MultiHeadAttention(1, 4, output_shape=(2, 3))(z, x, use_causal_mask=True)
    return rr.Model(ids, {"z": z, "scores": scores, "w": w})


def _attention_mask_input() -> Any:
    import reference_runtime as rr

    q = rr.Input((3, 4), name="q")
    v = rr.Input((5, 4), name="v")
    m = rr.Input((3, 5), dtype="bool", name="m")
    out = rr.layers.MultiHeadAttention(2, 2, attention_axes=(1,))(q, v, attention_mask=m)
    return rr.Model([q, v, m], out)


def _activations() -> Any:
    import reference_runtime as rr
    from reference_runtime import activations

    x = rr.Input((6,), name="x")
    names = sorted(activations.ALL_OBJECTS_DICT)
    outs = [rr.layers.Activation(n)(x) for n in names if n not in ("threshold",)]
    outs.append(rr.layers.Activation(activations.hard_sigmoid_keras2)(x))
    outs.append(rr.layers.Lambda(activations.gelu)(x))
    outs += [
        rr.layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2)(x),
        rr.layers.ReLU(max_value=1.0)(x),
        rr.layers.ReLU(negative_slope=0.3)(x),
        rr.layers.LeakyReLU(negative_slope=0.2)(x),
        rr.layers.Dense(6, activation="gelu")(x),
        rr.layers.PReLU()(x),
    ]
    return rr.Model(x, rr.layers.Concatenate()(outs))


def _shapes_and_norms() -> Any:
    import reference_runtime as rr

    x = rr.Input((3, 4, 5), name="x")
    a = rr.layers.LayerNormalization(axis=[2, 3])(x)
    b = rr.layers.LayerNormalization(rms_scaling=True, center=False)(x)
    c = rr.layers.RMSNormalization(axis=[-2, -1])(x)
    d = rr.layers.BatchNormalization(axis=1)(x)
    e = rr.layers.PReLU(shared_axes=[1, 2])(x)
    f = rr.layers.Softmax(axis=(2, 3))(x)
    g = rr.layers.Dense(5, activation="tanh")(x)  # Dense on a rank-4 input
    h = rr.layers.EinsumDense("...b,bc->...c", 5, bias_axes="c")(x)
    s = rr.layers.Add()([a, b, c, d, e, f, g, h])
    flat = rr.layers.Flatten(data_format="channels_first")(s)
    seq = rr.layers.Reshape((12, 5))(s)
    pooled = rr.layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)(seq)
    permuted = rr.layers.Permute((2, 1))(seq)
    dot = rr.layers.Dot(axes=(2, 2), normalize=True)([permuted, permuted])
    dot2 = rr.layers.Dot(axes=1)([flat, flat])
    return rr.Model(x, [flat, pooled, dot, dot2, rr.layers.Identity()(rr.layers.Dropout(0.5)(s))])


def _keras_ops() -> Any:
    import reference_runtime as rr
    from reference_runtime import ops
    from reference_runtime.ops import OPS

    x = rr.Input((4,), name="x")
    y = rr.Input((4,), name="y")
    binary = ["Add", "Subtract", "Multiply", "Divide", "TrueDivide", "Power", "Maximum", "Minimum"]
    unary = ["Negative", "Absolute", "Abs", "Exp", "Log", "Sqrt", "Square", "Tanh", "Relu"]
    unary += ["Sigmoid"]
    outs = [OPS[n]()(x, y) for n in binary] + [OPS[n]()(x) for n in unary]
    outs.append(OPS["Softmax"](axis=-1)(x))
    outs.append(OPS["Gelu"](approximate=False)(x))
    cond = OPS["LogicalOr"]()(OPS["Greater"]()(x, y), OPS["LessEqual"]()(x, 1.0))
    cond = OPS["LogicalAnd"]()(cond, OPS["LogicalNot"]()(OPS["Equal"]()(x, y)))
    cond = OPS["LogicalOr"]()(cond, OPS["NotEqual"]()(x, 0.5))
    cond = OPS["LogicalAnd"]()(cond, OPS["GreaterEqual"]()(y, OPS["Less"]()(x, 0.0)))
    outs.append(OPS["Where"]()(cond, x, y))
    outs.append(OPS["Cast"](dtype="float32")(cond))
    outs.append(ops.add(x, 1.0))
    stacked = OPS["Stack"](axis=1)([x, y])  # (b, 2, 4)
    m = OPS["Matmul"]()(OPS["Transpose"](axes=(0, 2, 1))(stacked), stacked)  # (b, 4, 4)
    r = OPS["Reshape"](newshape=(-1, 16))(m)
    outs += [OPS[n](axis=1, keepdims=False)(r) for n in ("Mean", "Sum", "Max", "Min")]
    e = OPS["ExpandDims"](axis=1)(x)
    outs.append(OPS["Squeeze"](axis=1)(e))
    flat = [OPS["ExpandDims"](axis=1)(o) if len(o.shape) == 1 else o for o in outs]
    return rr.Model([x, y], OPS["Concatenate"](axis=1)(flat))


def _tf_functions() -> Any:
    import reference_runtime as rr
    from reference_runtime.layers.tf_op_lambda import TF_FUNCTIONS

    x = rr.Input((4,), name="x")
    outs = []
    for name in sorted(TF_FUNCTIONS):
        layer = rr.layers.TFOpLambda(name, name=f"tf.{name}")
        if name.startswith(("__operators__", "math.")) and name.split(".")[-1] in (
            "add",
            "sub",
            "mul",
            "truediv",
            "subtract",
            "multiply",
            "divide",
            "maximum",
            "minimum",
            "pow",
        ):
            outs.append(layer(x, 1.5))
        elif name.startswith("math.reduce"):
            outs.append(layer(x, axis=-1, keepdims=True))
        elif name in ("reshape", "transpose", "expand_dims", "concat", "cast", "linalg.matmul"):
            continue
        else:
            outs.append(layer(x))
    t = rr.layers.TFOpLambda("reshape", name="tf.reshape")(x, shape=(-1, 2, 2))
    t = rr.layers.TFOpLambda("transpose", name="tf.transpose")(t, perm=(0, 2, 1))
    t = rr.layers.TFOpLambda("linalg.matmul", name="tf.linalg.matmul")(t, t)
    t = rr.layers.TFOpLambda("reshape", name="tf.reshape_1")(t, shape=(-1, 4))
    t = rr.layers.TFOpLambda("cast", name="tf.cast")(t, dtype="float32")
    t = rr.layers.TFOpLambda("expand_dims", name="tf.expand_dims")(t, axis=1)
    outs.append(rr.layers.TFOpLambda("reshape", name="tf.reshape_2")(t, shape=(-1, 4)))
    return rr.Model(x, rr.layers.TFOpLambda("concat", name="tf.concat")(outs, axis=-1))


def _nested_masks_and_structures() -> Any:
    import reference_runtime as rr

    inner_in = rr.Input((4, 3), name="inner_in")
    inner = rr.Model(inner_in, rr.layers.GlobalAveragePooling1D()(rr.layers.Dense(3)(inner_in)))
    seq = rr.Sequential([rr.layers.Dense(5, activation="tanh"), rr.layers.Dense(2)])
    seq.build((None, 3))
    ids = rr.Input((4,), dtype="int32", name="ids")
    extra = rr.Input((3,), name="extra")
    shared = rr.layers.Dense(3, name="shared")
    h = inner(rr.layers.Embedding(10, 3, mask_zero=True)(ids))
    a = shared(h)
    b = shared(shared(extra))
    return rr.Model({"ids": ids, "extra": extra}, {"a": seq(a), "pair": [a, b]})


def _mixed(policy: str) -> Callable[[], Any]:
    def build() -> Any:
        import reference_runtime as rr

        ids = rr.Input((6,), dtype="int32", name="ids")
        x = rr.layers.Embedding(10, 8, mask_zero=True, dtype=policy)(ids)
        x = rr.layers.LayerNormalization(dtype=policy)(x)
        y = rr.layers.MultiHeadAttention(2, 4, dtype=policy)(x, x, use_causal_mask=True)
        y = rr.layers.Dense(8, activation="relu", dtype=policy)(rr.layers.Add(dtype=policy)([x, y]))
        y = rr.layers.BatchNormalization(dtype=policy)(y)
        y = rr.layers.EinsumDense("abc,cd->abd", (6, 4), bias_axes="d", dtype=policy)(y)
        y = rr.layers.RMSNormalization(dtype=policy)(y)
        return rr.Model(ids, rr.layers.Dense(3, dtype="float32")(y))

    return build


def _case(
    name: str,
    build: Callable[[], Any],
    feed: Callable[[], Any],
    tol: tuple[float, float] | None = None,
) -> Case:
    seed = sum(map(ord, name))
    rtol, atol = tol or (1e-5, 1e-6)
    return Case(
        name=f"zoo/{name}",
        build=lambda: _randomize(build(), seed),
        feed=feed,
        rtol=rtol,
        atol=atol,
    )


def zoo_cases() -> list[Case]:
    """The in-code parity cases."""
    return [
        _case("masked_merges", _masked_merges, lambda: _tokens(1, 3, 6)),
        _case("attention_paths", _attention_paths, lambda: _tokens(2, 2, 5)),
        _case(
            "attention_mask_input",
            _attention_mask_input,
            lambda: [
                _floats(3, 2, 3, 4),
                _floats(4, 2, 5, 4),
                np.random.default_rng(5).random((2, 3, 5)) > 0.3,
            ],
        ),
        _case("activations", _activations, lambda: _floats(6, 3, 6, low=-3, high=3)),
        _case("shapes_and_norms", _shapes_and_norms, lambda: _floats(7, 2, 3, 4, 5)),
        _case(
            "keras_ops",
            _keras_ops,
            lambda: [_floats(8, 3, 4, low=0.5, high=1.5), _floats(9, 3, 4, low=0.5, high=1.5)],
        ),
        _case("tf_functions", _tf_functions, lambda: _floats(10, 3, 4, low=0.5, high=1.5)),
        _case(
            "nested_masks_and_structures",
            _nested_masks_and_structures,
            lambda: {"ids": _tokens(11, 2, 4), "extra": _floats(12, 2, 3)},
        ),
        _case("mixed_float16", _mixed("mixed_float16"), lambda: _tokens(13, 2, 6), F16_TOL),
        _case("mixed_bfloat16", _mixed("mixed_bfloat16"), lambda: _tokens(14, 2, 6), BF16_TOL),
    ]
