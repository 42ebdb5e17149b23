"""Runtime case models: BatchNormalization, LayerNormalization, RMSNormalization.

Each builder gets the Keras-style API (``reference_runtime``) as ``K`` and the case's seeded
generator and returns a :class:`conf_runtime.Built`; ``@model`` registers it
(conf_model_kit.py). Sizes are tiny on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conf_model_kit import functional, model
from conf_runtime import Built

# --------------------------------------------------------------------------- normalization


@model("batchnorm_last_axis", "BatchNormalization() on (B, 6): moving statistics")
def _bn_last(K: Any, rng: np.random.Generator) -> Built:
    return functional(K, {"x": (6,)}, lambda x: K.layers.BatchNormalization(name="bn")(x), rng)


@model("batchnorm_axis1", "BatchNormalization(axis=1) on (B, 4, 5)")
def _bn_axis1(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K, {"x": (4, 5)}, lambda x: K.layers.BatchNormalization(axis=1, name="bn")(x), rng
    )


@model("batchnorm_axis2_rank4", "BatchNormalization(axis=2, epsilon=0.01) on (B, 2, 3, 4)")
def _bn_axis2(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (2, 3, 4)},
        lambda x: K.layers.BatchNormalization(axis=2, epsilon=0.01, name="bn")(x),
        rng,
    )


@model("batchnorm_no_center_scale", "BatchNormalization(center=False, scale=False): two variables")
def _bn_plain(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (3, 4)},
        lambda x: K.layers.BatchNormalization(center=False, scale=False, name="bn")(x),
        rng,
    )


@model("batchnorm_center_only", "BatchNormalization(scale=False): beta and moving statistics")
def _bn_center(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K, {"x": (5,)}, lambda x: K.layers.BatchNormalization(scale=False, name="bn")(x), rng
    )


@model("batchnorm_renorm", "BatchNormalization(renorm=True, renorm_clipping): seven variables")
def _bn_renorm(K: Any, rng: np.random.Generator) -> Built:
    clip = {"rmax": 3.0, "rmin": 0.3, "dmax": 5.0}
    return functional(
        K,
        {"x": (5,)},
        lambda x: K.layers.BatchNormalization(renorm=True, renorm_clipping=clip, name="bn")(x),
        rng,
    )


@model("layernorm_last_axis", "LayerNormalization() on (B, 4, 6)")
def _ln_last(K: Any, rng: np.random.Generator) -> Built:
    return functional(K, {"x": (4, 6)}, lambda x: K.layers.LayerNormalization(name="ln")(x), rng)


@model("layernorm_two_axes", "LayerNormalization(axis=[-2, -1]) on (B, 3, 4, 5)")
def _ln_axes(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K, {"x": (3, 4, 5)}, lambda x: K.layers.LayerNormalization(axis=[-2, -1], name="ln")(x), rng
    )


@model("layernorm_no_center_scale", "LayerNormalization(center=False, scale=False, epsilon=0.01)")
def _ln_plain(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (6,)},
        lambda x: K.layers.LayerNormalization(center=False, scale=False, epsilon=0.01, name="ln")(
            x
        ),
        rng,
    )


@model("layernorm_axis1", "LayerNormalization(axis=1, center=False) on (B, 4, 3)")
def _ln_axis1(K: Any, rng: np.random.Generator) -> Built:
    return functional(
        K,
        {"x": (4, 3)},
        lambda x: K.layers.LayerNormalization(axis=1, center=False, name="ln")(x),
        rng,
    )


@model("rms_normalization", "RMSNormalization(epsilon=1e-5)")
def _rms(K: Any, rng: np.random.Generator) -> Built:
    built = functional(
        K, {"x": (3, 6)}, lambda x: K.layers.RMSNormalization(epsilon=1e-5, name="rms")(x), rng
    )
    return built
