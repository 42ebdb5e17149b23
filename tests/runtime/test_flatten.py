"""Flatten against real Keras, including ``channels_first``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_flatten_matches_keras(tmp_path: Path, data_format: str) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((2, 3, 4))
        return keras.Model(
            x, keras.layers.Dense(2)(keras.layers.Flatten(data_format=data_format)(x))
        )

    roundtrip("Flatten", tmp_path, build, random_inputs([((3, 2, 3, 4), "float32")]))
