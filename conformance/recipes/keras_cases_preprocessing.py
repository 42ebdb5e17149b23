"""Preprocessing-layer cases for the real-Keras oracle corpus.

Preprocessing inside the model as real image classifiers ship it (Rescaling, random
augmentation that is the identity at inference), image resizing / cropping, an adapted
Normalization, and the numeric-to-category layers (Discretization, CategoryEncoding).
Registered in keras_cases.CASES (the driver, keras_models.py, imports this module).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from keras_cases import Built, case


@case(
    "image_classifier_preprocessing",
    "image classifier with preprocessing in the model: "
    "Rescaling(1/127.5, offset=-1), RandomFlip('horizontal'), RandomRotation(0.1), "
    "RandomZoom(0.1) (identity at inference), Conv2D + MaxPooling2D, Conv2D, "
    "GlobalAveragePooling2D, Dropout, Dense(softmax) on (B, 12, 12, 3) pixels in [0, 255]",
)
def image_classifier_preprocessing(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(12, 12, 3), name="pixels")
    h = L.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale")(x)
    h = L.RandomFlip("horizontal", seed=1, name="flip")(h)
    h = L.RandomRotation(0.1, seed=2, name="rotate")(h)
    h = L.RandomZoom(0.1, seed=3, name="zoom")(h)
    h = L.Conv2D(4, 3, activation="relu", name="conv1")(h)
    h = L.MaxPooling2D(name="pool1")(h)
    h = L.Conv2D(6, 3, activation="relu", name="conv2")(h)
    h = L.GlobalAveragePooling2D(name="gap")(h)
    h = L.Dropout(0.2, name="drop")(h)
    y = L.Dense(3, activation="softmax", name="probs")(h)
    pixels = ctx.rng.integers(0, 256, size=(2, 12, 12, 3)).astype("float32")
    return Built(
        K.Model(x, y, name="classifier"),
        {"pixels": pixels},
        "single",
        ["probs"],
        "single",
        notes="Random* layers are the identity at inference (predict); "
        "their seeds are in the config",
    )


@case(
    "resizing_center_crop",
    "Resizing(6, 6, bilinear), Resizing(5, 7, nearest), "
    "Resizing(4, 4, crop_to_aspect_ratio=True), CenterCrop(4, 4), Rescaling(scale=0.5, "
    "offset=0.25) on (B, 8, 10, 2)",
)
def resizing_center_crop(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(8, 10, 2), name="image")
    outs = [
        L.Resizing(6, 6, name="resize_bilinear")(x),
        L.Resizing(5, 7, interpolation="nearest", name="resize_nearest")(x),
        L.Resizing(4, 4, crop_to_aspect_ratio=True, name="resize_crop_aspect")(x),
        L.CenterCrop(4, 4, name="center_crop")(x),
        L.Rescaling(scale=0.5, offset=0.25, name="rescale")(x),
    ]
    names = [ctx.layer_name_of(t) for t in outs]
    return Built(
        K.Model(x, outs),
        {"image": 2.0 * ctx.normal(2, 8, 10, 2)},
        "single",
        names,
        "list",
        notes="downscaling bilinear resize without antialias: Keras 3 uses "
        "its image.resize (jax), Keras 2 tf.image.resize",
        atol=1e-5,
    )


@case(
    "normalization_adapted",
    "Normalization adapted on (B, 5, 4) data (axis=-1) and with "
    "axis=(1, 2); Normalization(mean=..., variance=...) given in the config; invert=True",
)
def normalization_adapted(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(5, 4), name="x")
    data = (3.0 * ctx.rng.standard_normal((16, 5, 4)) + 1.5).astype("float32")
    last = L.Normalization(name="norm_adapted")
    last.adapt(data)
    both = L.Normalization(axis=(1, 2), name="norm_axes_1_2")
    both.adapt(data)
    fixed = L.Normalization(
        mean=[0.5, -1.0, 2.0, 0.0], variance=[4.0, 0.25, 1.0, 9.0], name="norm_given"
    )
    inv = L.Normalization(
        mean=[2.0, 0.0, -1.0, 1.0], variance=[9.0, 1.0, 4.0, 0.5], invert=True, name="denorm"
    )
    outs = [last(x), both(x), fixed(x), inv(x)]
    return Built(
        K.Model(x, outs),
        {"x": (3.0 * ctx.normal(2, 5, 4) + 1.5)},
        "single",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        set_weights=False,
        atol=1e-5,
        notes="mean/variance/count of the adapted layers come from adapt() on 16 "
        "samples drawn from the case RNG (not overwritten); the other two take "
        "mean/variance from their config",
    )


@case(
    "discretization_category_encoding",
    "Discretization(bin_boundaries=[-1, 0, 1]) feeding "
    "CategoryEncoding(4, multi_hot) and (4, count); CategoryEncoding(5, one_hot) on int "
    "ids (B,); Discretization([0, 0.5], output_mode='one_hot') on a (B,) input",
)
def discretization_category_encoding(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(6,), name="values")
    ids = K.Input(shape=(), dtype="int32", name="ids")
    scalar = K.Input(shape=(), name="scalar")
    bins = L.Discretization(bin_boundaries=[-1.0, 0.0, 1.0], name="bins")(x)
    outs = [
        bins,
        L.CategoryEncoding(num_tokens=4, output_mode="multi_hot", name="multi_hot")(bins),
        L.CategoryEncoding(num_tokens=4, output_mode="count", name="count")(bins),
        L.CategoryEncoding(num_tokens=5, output_mode="one_hot", name="one_hot")(ids),
        L.Discretization(bin_boundaries=[0.0, 0.5], output_mode="one_hot", name="bins_one_hot")(
            scalar
        ),
    ]
    values = 1.5 * ctx.normal(3, 6)
    values[0, :3] = [-1.0, 0.0, 1.0]  # exactly on the boundaries (right-closed bins)
    return Built(
        K.Model([x, ids, scalar], outs),
        {
            "values": values,
            "ids": ctx.rng.integers(0, 5, size=(3,)).astype("int32"),
            "scalar": np.array([-0.5, 0.5, 0.7], dtype="float32"),
        },
        "list",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        notes="'bins' is an integer tensor (the dtype Keras returned is in "
        "output_dtypes); values on a boundary go to the upper bin. The one_hot inputs are "
        "rank 1 because on (B, 1) Keras 3.0.1 returns (B, 1, N) where later Keras and "
        "Keras 2 return (B, N) for the same config",
    )
