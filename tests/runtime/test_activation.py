"""Activation layer and every Keras activation by name, against real Keras (spec §5.10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import assert_close, keras_or_skip, random_inputs, roundtrip

import reference_runtime as rr
from reference_runtime.saving._compat import Writer

NAMES = sorted(set(rr.activations.ALL_OBJECTS_DICT) - {"threshold"})


@pytest.mark.oracle
@pytest.mark.parametrize("name", NAMES)
def test_activation_functions_match_keras(name: str) -> None:
    keras = keras_or_skip()
    x = np.linspace(-7, 7, 64, dtype="float32").reshape(2, 32)
    want = np.asarray(keras.activations.get(name)(x))
    assert_close(f"activation:{name}", rr.activations.get(name)(x), want)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["relu", "gelu", "hard_sigmoid", "softmax", "swish", "selu"])
def test_activation_layer_matches_keras(tmp_path: Path, name: str) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((6,))
        return keras.Model(x, keras.layers.Activation(name)(keras.layers.Dense(6)(x)))

    roundtrip("Activation", tmp_path, build, random_inputs([((3, 6), "float32")]))


def test_hard_sigmoid_keras2_and_keras3() -> None:
    x = np.array([-4.0, -1.0, 0.0, 1.0, 4.0], "float32")
    np.testing.assert_allclose(rr.activations.get("hard_sigmoid")(x), np.clip(x / 6 + 0.5, 0, 1))
    # The loader spells a Keras 2 file's "hard_sigmoid" out as the Keras 2 function.
    keras2_config = Writer(keras2=True).rewrite_config({"activation": "hard_sigmoid"})
    fn = rr.activations.get(keras2_config["activation"])
    np.testing.assert_allclose(fn(x), np.clip(0.2 * x + 0.5, 0, 1))
    # Keras 3 has no clip(0.2x + 0.5): a re-save keeps the meaning under its own name.
    assert rr.activations.serialize(fn)["config"] == "keras2>hard_sigmoid"
    assert rr.saving.deserialize_keras_object(rr.activations.serialize(fn)) is fn


def test_aliases_and_unknown() -> None:
    assert rr.activations.get("swish") is rr.activations.silu
    assert rr.activations.get("hard_swish") is rr.activations.hard_silu
    assert rr.activations.get(None) is rr.activations.linear
    with pytest.raises(ValueError, match="unknown activation"):
        rr.activations.get("nope")
