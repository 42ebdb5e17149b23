"""Runtime case models: shape layers (Permute, Reshape, Flatten), Softmax and ReLU
variants, pooling; and the merge layers (Add ... Concatenate, Dot).

Each builder gets the Keras-style API (``reference_runtime``) as ``K`` and the case's seeded
generator and returns a :class:`conf_runtime.Built`; ``@model`` registers it
(conf_model_kit.py). Sizes are tiny on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conf_model_kit import functional, model
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
