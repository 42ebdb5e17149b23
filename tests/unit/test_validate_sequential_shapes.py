"""Sequential layers without build_config get their input shape from the layers before.

Keras loads a Sequential model whose layers carry no build_config (a minimal
writer's output), so the validator follows shapes from the InputLayer.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

import kformat
from kformat.validate._derive import sequential_shapes
from tests.conftest import KERAS_FILES, small_archive

SOURCE = KERAS_FILES / "keras-3.15.1" / "guide_sequential" / "model.keras"


def _minimal(tmp_path: Path, weights: dict[str, np.ndarray] | None = None) -> Path:
    a = kformat.read(SOURCE)
    config = copy.deepcopy(a.config)
    assert config is not None
    config.pop("build_config", None)
    config["config"].pop("build_input_shape", None)
    for layer in config["config"]["layers"]:
        layer.pop("build_config", None)
    out = tmp_path / "m.keras"
    kformat.write(
        kformat.KerasArchive(config, a.metadata, weights or dict(a.weights), a.groups), out
    )
    return out


def test_minimal_sequential_is_clean(tmp_path: Path) -> None:
    if not SOURCE.exists():
        pytest.skip("corpus file absent")
    assert list(kformat.iter_issues(_minimal(tmp_path))) == []


def test_wrong_kernel_in_minimal_sequential_is_found(tmp_path: Path) -> None:
    if not SOURCE.exists():
        pytest.skip("corpus file absent")
    weights = dict(kformat.read(SOURCE).weights)
    key = next(p for p in weights if p.endswith("/dense_1/vars/0"))
    weights[key] = np.zeros((weights[key].shape[0] + 1, weights[key].shape[1]), "float32")
    issues = [(i.code, i.path) for i in kformat.iter_issues(_minimal(tmp_path, weights))]
    assert issues == [("KF422", key)]


def test_propagation_through_shape_layers() -> None:
    layers = [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4, 6]}},
        {"class_name": "Permute", "config": {"dims": [2, 1]}},
        {"class_name": "Dense", "config": {"units": 3}},
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Dropout", "config": {"rate": 0.5}},
        {"class_name": "Dense", "config": {"units": 2}},
        {"class_name": "Conv1D", "config": {}},  # unknown output: propagation stops
        {"class_name": "Dense", "config": {"units": 2}},
    ]
    shapes = sequential_shapes({"class_name": "Sequential", "config": {"layers": layers}})
    assert shapes[id(layers[2])] == (None, 6, 4)
    assert shapes[id(layers[5])] == (None, 18)
    assert id(layers[7]) not in shapes


def test_hand_built_archive_is_checked(tmp_path: Path) -> None:
    a = small_archive()
    weights = dict(a.weights)
    weights["/layers/dense/vars/0"] = np.zeros((5, 3), "float32")
    out = tmp_path / "h.keras"
    kformat.write(kformat.KerasArchive(a.config, a.metadata, weights, a.groups), out)
    assert ("KF422", "/layers/dense/vars/0") in {(i.code, i.path) for i in kformat.iter_issues(out)}


def test_out_of_range_units_do_not_cascade(tmp_path: Path) -> None:
    a = small_archive()
    config = copy.deepcopy(a.config)
    assert config is not None
    config["config"]["layers"][1]["config"]["units"] = 0
    out = tmp_path / "u.keras"
    kformat.write(kformat.KerasArchive(config, a.metadata, a.weights, a.groups), out)
    errors = [(i.code, i.path) for i in kformat.iter_issues(out) if i.severity == "error"]
    assert errors == [("KF305", "/config/layers/1/config/units")]
