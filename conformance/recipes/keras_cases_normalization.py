"""Normalization and inference-time no-op cases for the real-Keras oracle corpus.

GroupNormalization and UnitNormalization, and the layers that only act in training
(SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization)
next to ELU and Masking, whose mask a masked GlobalAveragePooling1D consumes. Registered in
keras_cases.CASES (the driver, keras_models.py, imports this module).
"""

from __future__ import annotations

from typing import Any

from keras_cases import ATTN_TOL, Built, case


@case(
    "group_unit_normalization",
    "GroupNormalization(groups=2), (groups=4, center=False, "
    "epsilon=1e-2), (groups=-1, scale=False) and UnitNormalization(axis=-1), "
    "(axis=[1, 2]) on (B, 3, 3, 4)",
)
def group_unit_normalization(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(3, 3, 4), name="x")
    outs = [
        L.GroupNormalization(groups=2, name="gn_2")(x),
        L.GroupNormalization(groups=4, center=False, epsilon=1e-2, name="gn_4_nocenter")(x),
        L.GroupNormalization(groups=-1, scale=False, name="gn_instance")(x),
        L.UnitNormalization(name="unit_last")(x),
        L.UnitNormalization(axis=[1, 2], name="unit_axes_1_2")(x),
    ]
    return Built(
        K.Model(x, outs),
        {"x": 2.0 * ctx.normal(2, 3, 3, 4) + 0.5},
        "single",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        notes="gamma ~ 1+N(0,0.2), beta ~ N(0,0.2) from the RNG",
        **ATTN_TOL,
    )


@case(
    "noise_dropout_elu_masking",
    "Masking(0.0) -> Dense -> ELU(alpha=0.5) -> "
    "GaussianNoise -> SpatialDropout1D -> GlobalAveragePooling1D (masked mean) on "
    "(B, 6, 4); SpatialDropout2D -> GaussianDropout -> AlphaDropout -> "
    "ActivityRegularization on (B, 4, 4, 2); SpatialDropout3D on (B, 2, 3, 3, 2)",
)
def noise_dropout_elu_masking(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    s = K.Input(shape=(6, 4), name="sequence")
    x = K.Input(shape=(4, 4, 2), name="image")
    v = K.Input(shape=(2, 3, 3, 2), name="volume")
    h = L.Masking(mask_value=0.0, name="masking")(s)
    h = L.Dense(5, name="dense")(h)
    h = L.ELU(alpha=0.5, name="elu")(h)
    h = L.GaussianNoise(0.3, name="gaussian_noise")(h)
    h = L.SpatialDropout1D(0.3, name="spatial_dropout1d")(h)
    pooled = L.GlobalAveragePooling1D(name="masked_mean")(h)
    g = L.SpatialDropout2D(0.3, name="spatial_dropout2d")(x)
    g = L.GaussianDropout(0.2, name="gaussian_dropout")(g)
    notes = (
        "all noise/dropout layers are the identity at inference; padded timesteps "
        "(all zeros) are masked and left out of the mean"
    )
    if hasattr(L, "AlphaDropout"):
        g = L.AlphaDropout(0.1, name="alpha_dropout")(g)
    else:
        notes += "; this version has no keras.layers.AlphaDropout"
    g = L.ActivityRegularization(l1=0.01, l2=0.001, name="activity_reg")(g)
    w = L.SpatialDropout3D(0.2, name="spatial_dropout3d")(v)
    seq = ctx.normal(3, 6, 4)
    seq[0, 4:] = 0.0
    seq[1, 2:] = 0.0
    seq[2, 1] = 0.0  # a masked step in the middle
    return Built(
        K.Model([s, x, v], [pooled, g, w]),
        {"sequence": seq, "image": ctx.normal(3, 4, 4, 2), "volume": ctx.normal(3, 2, 3, 3, 2)},
        "list",
        ["masked_mean", "activity_reg", "spatial_dropout3d"],
        "list",
        notes=notes,
    )


@case(
    "spectral_normalization",
    "SpectralNormalization wrapping Dense(4) on (B, 5) and Conv2D(2, 3) on (B, 5, 5, 2) "
    "(predict uses the stored kernel; the wrapped layer owns its own weights group)",
    requires=lambda ctx: (
        None
        if hasattr(ctx.keras.layers, "SpectralNormalization")
        else "no keras.layers.SpectralNormalization in this version"
    ),
)
def spectral_normalization(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    v = K.Input(shape=(5,), name="vector")
    x = K.Input(shape=(5, 5, 2), name="image")
    a = L.SpectralNormalization(L.Dense(4, name="dense"), name="sn_dense")(v)
    b = L.SpectralNormalization(L.Conv2D(2, 3, name="conv"), power_iterations=2, name="sn_conv")(x)
    return Built(
        K.Model([v, x], [a, b]),
        {"vector": ctx.normal(2, 5), "image": ctx.normal(2, 5, 5, 2)},
        "list",
        ["sn_dense", "sn_conv"],
        "list",
        notes="kernel, bias and the power-iteration vector u all come from the RNG",
    )
