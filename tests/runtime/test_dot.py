"""Dot against real Keras: rank 2 and 3, axes pairs, normalize (cosine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(
    ("shapes", "kwargs"),
    [
        (((6,), (6,)), {"axes": 1}),
        (((6,), (6,)), {"axes": -1, "normalize": True}),
        (((3, 4), (5, 4)), {"axes": (2, 2)}),
        (((3, 4), (3, 5)), {"axes": (1, 1)}),
    ],
)
def test_dot_matches_keras(tmp_path: Path, shapes: Any, kwargs: dict[str, Any]) -> None:
    def build(keras: Any) -> Any:
        a, b = keras.Input(shapes[0]), keras.Input(shapes[1])
        return keras.Model([a, b], keras.layers.Dot(**kwargs)([a, b]))

    data = random_inputs([((2, *shapes[0]), "float32"), ((2, *shapes[1]), "float32")])
    roundtrip("Dot", tmp_path, build, data)
