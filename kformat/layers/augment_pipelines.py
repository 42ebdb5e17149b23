"""Augmentation layers built from other layers: ``RandomColorJitter``, ``AugMix``,
``RandAugment`` (``keras/src/layers/preprocessing/image_preprocessing/``).

At inference they return the images unchanged (``RandomColorJitter`` keeps the
input dtype, the others cast to the compute dtype). Their constructors create
augmentation sub-layers as attributes, which Keras saves as groups under the
layer's own (spec §6.7), each with an empty ``vars`` group:

* ``RandomColorJitter``: ``random_brightness``, ``random_contrast``,
  ``random_saturation``, ``random_hue``, each only when its factor is set;
* ``AugMix``: shear, translation, rotation, solarization, posterization,
  auto-contrast, equalization, plus brightness, colour degeneration, contrast
  and sharpness when ``all_ops``;
* ``RandAugment``: all eleven.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from kformat.layers import _checks as c
from kformat.layers._def import InputShape, LayerDef, SublayerSpec, f
from kformat.layers._image import SEED, VALUE_RANGE, identity_def
from kformat.layers.random_geometric import FACTOR, OPT_FACTOR

__all__ = ["DEFINITIONS"]


def _sub(attr: str, class_name: str, **config: Any) -> SublayerSpec:
    return SublayerSpec(attr, None, class_name, attr, config=config, weighted=False)


def _jitter_sublayers(
    config: Mapping[str, Any], input_shape: InputShape
) -> tuple[SublayerSpec, ...]:
    vr, seed = config.get("value_range", [0, 255]), config.get("seed")
    out = []
    for key, attr, cls in (
        ("brightness_factor", "random_brightness", "RandomBrightness"),
        ("contrast_factor", "random_contrast", "RandomContrast"),
        ("saturation_factor", "random_saturation", "RandomSaturation"),
        ("hue_factor", "random_hue", "RandomHue"),
    ):
        if config.get(key) is not None:
            out.append(_sub(attr, cls, factor=config[key], value_range=vr, seed=seed))
    return tuple(out)


def _posterization_bits(factor: Any) -> int:
    """``max(1, int(8 * factor[1]))``; a config outside the domain (the validator
    reads untrusted ones) gives 1 rather than raising."""
    upper = factor[1] if isinstance(factor, list) and len(factor) == 2 else factor
    if not c.is_num(upper) or not math.isfinite(8.0 * upper):
        return 1
    return max(1, int(8 * upper))


def _geometric(config: Mapping[str, Any], factor: Any) -> list[SublayerSpec]:
    common = {
        "interpolation": config.get("interpolation", "bilinear"),
        "seed": config.get("seed"),
        "data_format": config.get("data_format"),
    }
    return [
        _sub("random_shear", "RandomShear", x_factor=factor, y_factor=factor, **common),
        _sub(
            "random_translation",
            "RandomTranslation",
            height_factor=factor,
            width_factor=factor,
            **common,
        ),
        _sub("random_rotation", "RandomRotation", factor=factor, **common),
    ]


def _colour(config: Mapping[str, Any], factor: Any) -> dict[str, SublayerSpec]:
    vr = config.get("value_range", [0, 255])
    common = {
        "value_range": vr,
        "seed": config.get("seed"),
        "data_format": config.get("data_format"),
    }
    frame = {"value_range": vr, "data_format": config.get("data_format")}
    return {
        "brightness": _sub("random_brightness", "RandomBrightness", factor=factor, **common),
        "degeneration": _sub(
            "random_color_degeneration", "RandomColorDegeneration", factor=factor, **common
        ),
        "contrast": _sub("random_contrast", "RandomContrast", factor=factor, **common),
        "sharpness": _sub("random_sharpness", "RandomSharpness", factor=factor, **common),
        "solarization": _sub(
            "solarization",
            "Solarization",
            addition_factor=factor,
            threshold_factor=factor,
            value_range=vr,
            seed=config.get("seed"),
        ),
        "posterization": _sub(
            "random_posterization",
            "RandomPosterization",
            factor=_posterization_bits(factor),
            **common,
        ),
        "auto_contrast": _sub("auto_contrast", "AutoContrast", **frame),
        "equalization": _sub("equalization", "Equalization", **frame),
    }


def _aug_mix_sublayers(
    config: Mapping[str, Any], input_shape: InputShape
) -> tuple[SublayerSpec, ...]:
    factor = config.get("factor", [0, 0.3])
    colour = _colour(config, factor)
    order = ["solarization", "posterization", "auto_contrast", "equalization"]
    if config.get("all_ops", True):
        order += ["brightness", "degeneration", "contrast", "sharpness"]
    return (*_geometric(config, factor), *(colour[k] for k in order))


def _rand_augment_sublayers(
    config: Mapping[str, Any], input_shape: InputShape
) -> tuple[SublayerSpec, ...]:
    factor = config.get("factor", [0, 0.5])
    colour = _colour(config, factor)
    order = ["brightness", "degeneration", "contrast", "sharpness", "solarization"]
    order += ["posterization", "auto_contrast", "equalization"]
    return (*_geometric(config, factor), *(colour[k] for k in order))


def _with(definition: LayerDef, sublayers: Any, doc: str) -> LayerDef:
    return dataclasses.replace(definition, sublayers=sublayers, variables_doc=doc)


DEFINITIONS = (
    _with(
        identity_def(
            "RandomColorJitter",
            "random_color_jitter",
            {
                "value_range": VALUE_RANGE,
                "brightness_factor": f(OPT_FACTOR),
                "contrast_factor": f(OPT_FACTOR),
                "saturation_factor": f(OPT_FACTOR),
                "hue_factor": f(OPT_FACTOR),
                "seed": SEED,
            },
            cast=False,
            summary="random brightness, contrast, saturation and hue",
        ),
        _jitter_sublayers,
        "none; sub-layer groups `random_brightness` to `random_hue` for the factors set",
    ),
    _with(
        identity_def(
            "AugMix",
            "aug_mix",
            {
                "value_range": VALUE_RANGE,
                "num_chains": f(c.POS_INT, 3),
                "chain_depth": f(c.POS_INT, 3),
                "factor": f(FACTOR, [0, 0.3]),
                "alpha": f(c.num(), 1.0),
                "all_ops": f(c.BOOL, True),
                "interpolation": f(c.STR, "bilinear"),
                "seed": SEED,
            },
            cast=True,
            summary="AugMix chains of augmentations",
        ),
        _aug_mix_sublayers,
        "none; 7 sub-layer groups (11 with `all_ops`), each with an empty `vars`",
    ),
    _with(
        identity_def(
            "RandAugment",
            "rand_augment",
            {
                "value_range": VALUE_RANGE,
                "num_ops": f(c.POS_INT, 2),
                "factor": f(FACTOR, [0, 0.5]),
                "interpolation": f(c.STR, "bilinear"),
                "seed": SEED,
            },
            cast=True,
            summary="RandAugment: random augmentation operations",
        ),
        _rand_augment_sublayers,
        "none; 11 sub-layer groups, each with an empty `vars`",
    ),
)
