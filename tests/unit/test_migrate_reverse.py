"""``kformat.migrate(..., to="tf_keras2")`` without tf_keras: the file written for tf_keras
from a Keras 3.15 file must have what tf_keras 2.21 itself wrote for the same model (the
corpus holds both): the same weight paths and shapes, layer classes, Keras 2 list nodes with
Keras 2 node numbers and input/output references; and run with ``reference_runtime`` (its
Keras 2 reading) it must compute the outputs Keras 3 recorded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
import reference_runtime as rr
from kformat.errors import UnsupportedFeatureError
from tests.conftest import KERAS_FILES

KERAS3 = KERAS_FILES / "keras-3.15.1"
TF_KERAS = KERAS_FILES / "tf_keras-2.21.0"
SAME_STRUCTURE = (
    "guide_sequential",
    "nested_functional_in_functional",
    "nested_sequential_in_functional",
    "mha_cross",
    "shared_layer",
    "batchnorm_axis",
    "multi_io_dict",
)


def _refs(node: Any) -> Any:
    """A Keras 2 node without its kwargs: the tensor references only."""
    if isinstance(node, list) and len(node) in (3, 4) and isinstance(node[0], str):
        return node[:3]
    if isinstance(node, list):
        return [_refs(n) for n in node]
    return node


def _structure(config: dict[str, Any]) -> Any:
    inner = config["config"]
    layers = [
        (e["class_name"], e.get("name", e["config"].get("name")), _refs(e.get("inbound_nodes")))
        for e in inner["layers"]
    ]
    return layers, inner.get("input_layers"), inner.get("output_layers")


@pytest.mark.parametrize("name", SAME_STRUCTURE)
def test_reverse_migration_matches_what_tf_keras_writes(name: str, tmp_path: Path) -> None:
    dest = tmp_path / "for_tf_keras.keras"
    report = kformat.migrate(KERAS3 / name / "model.keras", dest, to="tf_keras2")
    assert report.target == "tf_keras2"
    ours, theirs = kformat.read(dest), kformat.read(TF_KERAS / name / "model.keras")
    assert ours.config is not None and theirs.config is not None
    assert _structure(ours.config) == _structure(theirs.config)
    assert {p: ours.weights[p].shape for p in ours.weights} == {
        p: theirs.weights[p].shape for p in theirs.weights if not p.startswith("/metrics")
    }


@pytest.mark.parametrize("name", [*SAME_STRUCTURE, "functional_ops", "mha_self"])
def test_reverse_migration_computes_the_keras3_outputs(name: str, tmp_path: Path) -> None:
    dest = tmp_path / "for_tf_keras.keras"
    kformat.migrate(KERAS3 / name / "model.keras", dest, to="tf_keras2")
    assert (kformat.read(dest).metadata or {})["keras_version"] == "2.15.0"
    made = json.loads((KERAS3 / name / "made.json").read_text())
    with np.load(KERAS3 / name / "inputs.npz", allow_pickle=False) as npz:
        arrays = [npz[k] for k in made["input_names"]]
    feed: Any = (
        dict(zip(made["input_names"], arrays, strict=True))
        if made["input_structure"] == "dict"
        else arrays
        if made["input_structure"] == "list"
        else arrays[0]
    )
    result = rr.load_model(dest)(feed)
    outs = (
        [result[k] for k in made["output_names"]]
        if isinstance(result, dict)
        else list(result)
        if isinstance(result, (list, tuple))
        else [result]
    )
    with np.load(KERAS3 / name / "outputs.npz", allow_pickle=False) as npz:
        for key, got in zip(made["output_names"], outs, strict=True):
            np.testing.assert_allclose(
                np.asarray(got, "float64"), npz[key].astype("float64"), rtol=1e-5, atol=1e-5
            )


def test_reverse_refuses_what_tf_keras_lacks(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFeatureError, match=r"'rms_last'.*does not exist in tf_keras"):
        kformat.migrate(
            KERAS3 / "rms_normalization" / "model.keras", tmp_path / "m.keras", to="tf_keras2"
        )
    with pytest.raises(UnsupportedFeatureError, match="tf_keras has no activation 'celu'"):
        kformat.migrate(
            KERAS3 / "activations_all" / "model.keras", tmp_path / "m.keras", to="tf_keras2"
        )
    assert not any(tmp_path.iterdir())


def test_keras3_hard_sigmoid_becomes_the_same_function_in_tf_keras(tmp_path: Path) -> None:
    layers = rr.layers
    model = rr.Sequential(
        [
            layers.Input((4,)),
            layers.Dense(3, activation="hard_sigmoid"),
            layers.Activation("hard_sigmoid"),
        ]
    )
    rr.saving.save_model(model, tmp_path / "k3.keras")
    report = kformat.migrate(
        tmp_path / "k3.keras", tmp_path / "tfk.keras", to="tf_keras2", check=True
    )
    assert report.max_abs_diff is not None and report.max_abs_diff < 1e-6
    config = kformat.read(tmp_path / "tfk.keras").config
    assert config is not None
    classes = [e["class_name"] for e in config["config"]["layers"]]
    assert classes == ["InputLayer", "Dense", "Rescaling", "ReLU"]
