"""Preprocessing-layer cases for the real-Keras oracle corpus.

Preprocessing inside the model as real image classifiers ship it (Rescaling, random
augmentation that is the identity at inference), image resizing / cropping, an adapted
Normalization, and the numeric-to-category layers (Discretization, CategoryEncoding).
Registered in keras_cases.CASES (the driver, keras_models.py, imports this module).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from keras_cases import Built, _keras3_at_least, _keras3_only, case


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


def _augmenters(L: Any) -> list[tuple[str, Any]]:
    """(class name, factory) for every Random* augmentation layer of this version that is
    the identity in predict; value_range (0, 1) where a layer takes one."""
    unit = {"value_range": (0, 1)}
    wanted = [
        ("RandomFlip", lambda: L.RandomFlip(seed=1)),
        ("RandomTranslation", lambda: L.RandomTranslation(0.1, 0.1, seed=2)),
        ("RandomRotation", lambda: L.RandomRotation(0.1, seed=3)),
        ("RandomZoom", lambda: L.RandomZoom(0.1, seed=4)),
        ("RandomContrast", lambda: L.RandomContrast(0.2, seed=5)),
        ("RandomBrightness", lambda: L.RandomBrightness(0.1, value_range=(0, 1), seed=6)),
        # RandomHeight/RandomWidth are left out: only tf.keras has them (Keras 3 cannot load them).
        ("RandomHue", lambda: L.RandomHue(0.1, seed=9, **unit)),
        ("RandomSaturation", lambda: L.RandomSaturation(0.1, seed=10, **unit)),
        ("RandomSharpness", lambda: L.RandomSharpness(0.1, seed=11, **unit)),
        ("RandomColorDegeneration", lambda: L.RandomColorDegeneration(0.1, seed=12, **unit)),
        ("RandomColorJitter", lambda: L.RandomColorJitter(brightness_factor=0.1, seed=13, **unit)),
        ("RandomGrayscale", lambda: L.RandomGrayscale(0.5, seed=14)),
        ("RandomInvert", lambda: L.RandomInvert(0.5, seed=15, **unit)),
        ("RandomPosterization", lambda: L.RandomPosterization(4, seed=16, value_range=(0, 255))),
        # A symmetric factor (0.1) is written as (-0.1, 0.1), which RandomShear's constructor
        # refuses (Keras 3.15.1 cannot reload that file); a one-sided range round-trips.
        ("RandomShear", lambda: L.RandomShear((0.0, 0.1), (0.0, 0.1), seed=17)),
        ("RandomPerspective", lambda: L.RandomPerspective(0.1, seed=18)),
        ("RandomGaussianBlur", lambda: L.RandomGaussianBlur(0.5, seed=19, **unit)),
        ("RandomErasing", lambda: L.RandomErasing(0.5, seed=20, **unit)),
        ("RandomElasticTransform", lambda: L.RandomElasticTransform(0.5, seed=21, **unit)),
    ]
    return [(n, make) for n, make in wanted if hasattr(L, n)]


@case(
    "random_augmentation",
    "every Random* augmentation layer this version has (flip, translation, rotation, zoom, "
    "contrast, brightness, height/width, hue, saturation, sharpness, color jitter, grayscale, "
    "invert, posterization, shear, perspective, blur, erasing, elastic), chained on (B, 8, 8, "
    "3) in [0, 1], then a 1x1 Conv2D",
)
def random_augmentation(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(8, 8, 3), name="image")
    h = x
    used, refused = [], []
    for name, make in _augmenters(L):
        try:
            layer = make()
        except (TypeError, ValueError) as e:  # an argument this version lacks
            refused.append(f"{name} ({type(e).__name__})")
            continue
        h = layer(h)
        used.append(name)
    y = L.Conv2D(2, 1, name="mix")(h)
    notes = f"augmentation layers in the chain, in order: {used}"
    if refused:
        notes += f"; constructors that refused these arguments here: {refused}"
    return Built(
        K.Model(x, y),
        {"image": ctx.rng.random((2, 8, 8, 3), dtype="float32")},
        "single",
        ["mix"],
        "single",
        notes=notes + ". All are the identity in predict.",
    )


@case(
    "random_crop",
    "RandomCrop(4, 5) on (B, 6, 7, 2): Keras 3.8+ returns the input unchanged at inference "
    "(Keras 2 and Keras 3.0-3.7 centre-crop, outputs no Keras 3.15 reader reproduces, so "
    "those writers do not make this case)",
    requires=_keras3_at_least((3, 8)),
)
def random_crop(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6, 7, 2), name="image")
    y = K.layers.RandomCrop(4, 5, seed=7, name="crop")(x)
    return Built(
        K.Model(x, y),
        {"image": ctx.normal(2, 6, 7, 2)},
        "single",
        ["crop"],
        "single",
        notes="the config is the same in every writer; outputs.npz holds what this writer's "
        "predict returned (its shape is in output_shapes)",
    )


@case(
    "resizing_interpolations",
    "Resizing with bicubic and lanczos3 interpolation (plus area under Keras 2's TensorFlow), "
    "pad_to_aspect_ratio and antialias where this version has them, on (B, 6, 8, 2); Keras 3 "
    "only (TensorFlow's bicubic kernel differs from Keras 3's by up to 1.4e-3)",
    requires=_keras3_only("TensorFlow's bicubic is not the one a Keras 3 reader computes"),
)
def resizing_interpolations(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(6, 8, 2), name="image")
    params = inspect.signature(L.Resizing.__init__).parameters
    outs = [
        L.Resizing(9, 5, interpolation="bicubic", name="bicubic")(x),
        L.Resizing(4, 11, interpolation="lanczos3", name="lanczos3")(x),
    ]
    if ctx.flavour != "keras3":  # jax.image.resize has no area method
        outs.append(L.Resizing(3, 4, interpolation="area", name="area")(x))
    if "pad_to_aspect_ratio" in params:
        outs.append(L.Resizing(5, 5, pad_to_aspect_ratio=True, fill_value=0.5, name="pad")(x))
    if "antialias" in params:
        outs.append(L.Resizing(3, 5, antialias=True, name="bilinear_antialias")(x))
    return Built(
        K.Model(x, outs),
        {"image": ctx.normal(2, 6, 8, 2)},
        "single",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        atol=1e-5,
    )
