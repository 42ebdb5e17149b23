"""RandomColorJitter, AugMix and RandAugment against real Keras: identity at
inference, and their sub-layer groups written back as Keras wrote them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from random_layers import check_identity, saved_groups

pytestmark = pytest.mark.oracle

CASES: list[tuple[str, dict[str, Any]]] = [
    ("RandomColorJitter", {"brightness_factor": 0.2, "hue_factor": (0.1, 0.3), "seed": 4}),
    ("RandomColorJitter", {"contrast_factor": 0.5, "saturation_factor": 0.4}),
    ("AugMix", {"num_chains": 2, "factor": 0.4, "seed": 1}),
    ("AugMix", {"all_ops": False, "value_range": (0, 1)}),
    ("RandAugment", {"num_ops": 3, "factor": 0.3, "interpolation": "nearest"}),
]


@pytest.mark.parametrize(("class_name", "kwargs"), CASES)
def test_identity_and_sublayer_groups(
    tmp_path: Path, class_name: str, kwargs: dict[str, Any]
) -> None:
    check_identity(tmp_path, class_name, kwargs, "uint8")
    groups = [g for g, _ in saved_groups(tmp_path / "keras_written.keras")]
    owned = [g for g in groups if g.count("/") == 2 and not g.endswith("/vars")]
    assert owned, groups  # the sub-layer groups exist and were compared above


def test_float_inputs(tmp_path: Path) -> None:
    check_identity(tmp_path, "RandAugment", {}, "float32")


@pytest.mark.parametrize("class_name", ["AugMix", "RandAugment", "RandomColorJitter"])
@pytest.mark.parametrize(
    "factor", [None, "x", [], [1], ["a", "b"], [1e308, 1e308], float("inf"), {}, 0.4]
)
def test_sublayers_of_odd_configs_never_raise(class_name: str, factor: Any) -> None:
    # The validator asks for sub-layer names on untrusted configs.
    from kformat import layers

    definition = layers.REGISTRY[class_name]
    for key in ("factor", "brightness_factor", "value_range", "all_ops", "data_format"):
        config = {**definition.defaults(), key: factor}
        subs = definition.sublayers(config, None)
        assert all(s.attr and not s.weighted for s in subs)
