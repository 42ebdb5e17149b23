"""Reshape against real Keras, with an inferred ``-1`` dimension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("target", [(3, 4), (-1, 2), (2, 2, 3)])
def test_reshape_matches_keras(tmp_path: Path, target: tuple[int, ...]) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((12,))
        return keras.Model(x, keras.layers.Reshape(target)(x))

    roundtrip("Reshape", tmp_path, build, random_inputs([((2, 12), "float32")]))
