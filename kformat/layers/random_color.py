"""The colour and pixel ``Random*`` augmentation layers: identity at inference.

From ``keras/src/layers/preprocessing/image_preprocessing/``. At inference
(``training`` false) ``RandomBrightness``, ``RandomContrast``,
``RandomColorDegeneration``, ``RandomHue``, ``RandomSaturation``,
``RandomPosterization``, ``RandomInvert``, ``RandomGrayscale`` and ``MixUp``
return the images as they came (uint8 stays uint8); ``RandomSharpness``,
``RandomGaussianBlur``, ``RandomErasing``, ``CutMix`` and ``Solarization``
cast them to the compute dtype first (the base ``transform_images``).

Keras' factor arguments are normalized by the constructors (``0.2`` is
written as ``[-0.2, 0.2]``); the runtime keeps what a file holds.
"""

from __future__ import annotations

from typing import Any

from kformat.layers import _checks as c
from kformat.layers._def import f
from kformat.layers._image import SEED, VALUE_RANGE, identity_def
from kformat.layers.random_geometric import FACTOR

__all__ = ["DEFINITIONS"]


def _factored(name: str, module: str, *, cast: bool, summary: str, **extra: Any) -> Any:
    """``factor`` (required), ``value_range``, ``seed``: the common colour layer config."""
    fields = {"factor": f(FACTOR, required=True), "value_range": VALUE_RANGE, "seed": SEED}
    return identity_def(name, module, {**fields, **extra}, cast=cast, summary=summary)


def _kernel_size(name: str, v: Any) -> str | None:
    if c.positive(v) or (isinstance(v, list) and len(v) == 2 and all(map(c.positive, v))):
        return None
    return f"{name} must be an integer >= 1 or a list of two, got {v!r}"


DEFINITIONS = (
    _factored("RandomBrightness", "random_brightness", cast=False, summary="random brightness"),
    _factored("RandomContrast", "random_contrast", cast=False, summary="random contrast"),
    _factored(
        "RandomColorDegeneration",
        "random_color_degeneration",
        cast=False,
        summary="random colour degeneration",
    ),
    _factored("RandomHue", "random_hue", cast=False, summary="random hue shifts"),
    _factored("RandomSaturation", "random_saturation", cast=False, summary="random saturation"),
    _factored(
        "RandomPosterization",
        "random_posterization",
        cast=False,
        summary="random posterization",
    ),
    _factored("RandomSharpness", "random_sharpness", cast=True, summary="random sharpness"),
    identity_def(
        "RandomInvert",
        "random_invert",
        {"factor": f(FACTOR, [0, 1.0]), "value_range": VALUE_RANGE, "seed": SEED},
        cast=False,
        summary="random inversion",
    ),
    identity_def(
        "RandomGrayscale",
        "random_grayscale",
        {"factor": f(c.num(0.0, 1.0), 0.5)},
        cast=False,
        summary="random conversion to grayscale",
    ),
    identity_def(
        "RandomGaussianBlur",
        "random_gaussian_blur",
        {
            "factor": f(FACTOR, [0, 1.0]),
            "kernel_size": f(c.Check(_kernel_size, "int≥1 or array of 2 (int≥1)"), [3, 3]),
            "sigma": f(FACTOR, [0, 1.0]),
            "value_range": VALUE_RANGE,
            "seed": SEED,
        },
        cast=True,
        summary="random Gaussian blur",
    ),
    identity_def(
        "RandomErasing",
        "random_erasing",
        {
            "factor": f(FACTOR, [0, 1.0]),
            "scale": f(FACTOR, [0.02, 0.33]),
            "fill_value": f(c.opt(c.num())),
            "value_range": VALUE_RANGE,
            "seed": SEED,
        },
        cast=True,
        summary="random erasing of rectangles",
    ),
    identity_def(
        "Solarization",
        "solarization",
        {
            "value_range": VALUE_RANGE,
            "addition_factor": f(FACTOR, [0, 0.0]),
            "threshold_factor": f(FACTOR, [0, 0.0]),
            "seed": SEED,
        },
        cast=True,
        summary="random solarization",
    ),
    identity_def(
        "MixUp",
        "mix_up",
        {"alpha": f(c.num(), 0.2), "seed": SEED},
        cast=False,
        summary="mixes images of a batch",
    ),
    identity_def(
        "CutMix",
        "cut_mix",
        {"factor": f(FACTOR, [0, 1.0]), "seed": SEED},
        cast=True,
        summary="pastes patches between images of a batch",
    ),
)
