"""Adaptive{Average,Max}Pooling1D/2D/3D (Keras 3.13+) against real Keras
(runtime, validator, TensorFlow twin), with output sizes that do not divide
the input so the bins overlap, and one larger than the input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

from kformat.layers.adaptive_pooling import bins

pytestmark = pytest.mark.oracle

SPATIAL = {1: (7,), 2: (7, 5), 3: (5, 4, 3)}


@pytest.mark.parametrize(
    ("rank", "kind", "size", "fmt"),
    [
        (1, "Average", 3, "channels_last"),
        (1, "Max", 9, "channels_first"),
        (2, "Average", (3, 2), "channels_first"),
        (2, "Max", 4, "channels_last"),
        (3, "Max", (2, 3, 2), "channels_first"),
        (3, "Average", 2, "channels_last"),
    ],
)
def test_adaptive_pooling_matches_keras(
    tmp_path: Path, rank: int, kind: str, size: Any, fmt: str
) -> None:
    spatial = SPATIAL[rank]
    shape = (*spatial, 3) if fmt == "channels_last" else (3, *spatial)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        cls = getattr(keras.layers, f"Adaptive{kind}Pooling{rank}D")
        return keras.Model(x, keras.layers.Dense(2)(cls(size, data_format=fmt)(x)))

    check_layer(
        f"Adaptive{kind}Pooling{rank}D", tmp_path, build, random_inputs([((2, *shape), "float32")])
    )


def test_bins_overlap_like_pytorch() -> None:
    starts, ends = bins(5, 3)
    assert starts.tolist() == [0, 1, 3] and ends.tolist() == [2, 4, 5]
    import reference_runtime.layers as layers

    x = np.arange(5, dtype="float32").reshape(1, 5, 1)
    y = layers.AdaptiveAveragePooling1D(output_size=3)(x)
    np.testing.assert_allclose(y[0, :, 0], [0.5, 2.0, 3.5])


def test_output_size_is_required_and_positive() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(TypeError, match="output_size"):
        layers.AdaptiveMaxPooling2D()
    with pytest.raises(ValueError, match="output_size"):
        layers.AdaptiveMaxPooling2D(output_size=[2, 0])
