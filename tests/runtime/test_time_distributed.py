"""TimeDistributed against real Keras: layers and nested models wrapped, the
wrapped layer's own H5 group, masks passed through."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems
from runtime_oracle import random_inputs

import reference_runtime as rr
from kformat import layer_specs, weight_paths

pytestmark = pytest.mark.oracle


def test_time_distributed_variants_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        L = keras.layers
        frames = keras.Input((3, 6, 6, 2))
        tokens = keras.Input((5, 4))
        td = L.TimeDistributed
        h = td(L.Conv2D(3, 2, strides=2, padding="same", activation="relu"))(frames)
        h = td(L.MaxPooling2D(2, padding="same"))(h)
        h = td(L.Flatten())(h)
        nested = keras.Sequential(
            [keras.Input((6, 6, 2)), L.Conv2D(2, 3), L.Flatten(), L.Dense(3)], name="per_frame"
        )
        inner_in = keras.Input((6, 6, 2))
        inner = keras.Model(inner_in, L.GlobalAveragePooling2D()(L.Conv2D(2, 1)(inner_in)))
        masked = L.Masking()(tokens)  # the mask passes through to the pooling
        outs = [
            td(L.Dense(4, activation="tanh"))(h),
            td(L.BatchNormalization())(frames),
            td(L.Dropout(0.5))(frames),
            td(nested)(frames),
            td(inner)(frames),
            L.GlobalAveragePooling1D()(td(L.Dense(3))(masked)),
            td(L.Dense(2))(tokens),
        ]
        return keras.Model([frames, tokens], outs)

    data = random_inputs([((2, 3, 6, 6, 2), "float32"), ((2, 5, 4), "float32")])
    data[1][0, 3:] = 0.0
    ours = check_layer("TimeDistributed", tmp_path, build, data)
    with zipfile.ZipFile(tmp_path / "keras_written.keras") as z:
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    names: list[str] = []
    h5.visit(names.append)
    assert "layers/time_distributed/layer/vars/0" in names
    # a wrapped model keeps its layers under <wrapper>/layer/layers
    assert any(n.endswith("/layer/layers/dense/vars/0") for n in names), names
    config = ours.get_config()
    derived = {
        p.vars.lstrip("/")
        for p in weight_paths.object_paths({"class_name": "Functional", "config": config})
    }
    held = {n.rsplit("/", 1)[0] for n in names if isinstance(h5[n], h5py.Dataset)}
    assert held <= derived


def test_time_distributed_shapes() -> None:
    config = {"layer": {"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": [3, 3]}}}
    definition = layer_specs.layers.get("TimeDistributed")
    assert definition is not None
    assert definition.output_shape(config, (None, 7, 8, 8, 2)) == (None, 7, 6, 6, 4)
    assert layer_specs.variables("TimeDistributed", config, (None, 7, 8, 8, 2)) == ()
    (sub,) = layer_specs.sublayers("TimeDistributed", config, (None, 7, 8, 8, 2))
    assert (sub.attr, sub.class_name, sub.input_shape) == ("layer", "Conv2D", (None, 8, 8, 2))
    assert definition.output_shape(config, (None, 8, 2)) is None


def test_time_distributed_refusals(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="layer"):
        rr.layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="3 dimensions"):
        rr.layers.TimeDistributed(rr.layers.Dense(2))(np.ones((2, 3), "float32"))
    layer = rr.layers.TimeDistributed(rr.layers.Dense(2))
    with pytest.raises(ValueError, match="mask"):
        layer(np.ones((2, 3, 4), "float32"), mask=np.ones((2,), bool))
    model = rr.Sequential([rr.layers.Input((3, 4)), rr.layers.TimeDistributed(rr.layers.Dense(2))])
    path = tmp_path / "ok.keras"
    model.save(path)
    assert validation_problems(path) == []
    set_config_key(path, "TimeDistributed", "layer", "dense")
    assert any(p.startswith("KF305") for p in validation_problems(path))
