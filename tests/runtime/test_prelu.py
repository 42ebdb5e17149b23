"""PReLU against real Keras, with and without shared axes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("shared_axes", [None, [1]])
def test_prelu_matches_keras(tmp_path: Path, shared_axes: Any) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((3, 5))
        return keras.Model(x, keras.layers.PReLU(shared_axes=shared_axes)(x))

    roundtrip("PReLU", tmp_path, build, random_inputs([((2, 3, 5), "float32")]))
