"""Layers keras.applications builds without exporting them (ConvNeXt's LayerScale and
StochasticDepth, InceptionResNetV2's CustomScaleLayer) against real Keras (runtime, validator,
TensorFlow twin), and the module they are saved under."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle


def _build(keras: Any) -> Any:
    from keras.src.applications.convnext import LayerScale, StochasticDepth

    x = keras.Input((4, 6))
    h = keras.layers.Dense(6)(x)
    h = LayerScale(1e-6, 6, name="scale")(h)
    h = StochasticDepth(0.3, name="drop_path")(h)
    return keras.Model(x, keras.layers.Add()([x, h]))


def test_convnext_layers_match_keras(tmp_path: Path) -> None:
    ours = check_layer("LayerScale", tmp_path, _build, random_inputs([((3, 4, 6), "float32")]))
    # Keras writes the defining module (the classes are not in keras.layers);
    # the runtime's re-save keeps it, so Keras can import the classes again.
    for written in ("keras_written.keras", "runtime_written.keras"):
        with zipfile.ZipFile(tmp_path / written) as z:
            layers = json.loads(z.read("config.json"))["config"]["layers"]
        found = {e["class_name"]: (e["module"], e["registered_name"]) for e in layers}
        for cls in ("LayerScale", "StochasticDepth"):
            assert found[cls] == ("keras.src.applications.convnext", cls), written
    assert ours.get_layer("scale").get_config()["projection_dim"] == 6


def test_layer_scale_refuses_bad_projection_dim(tmp_path: Path) -> None:
    import reference_runtime.layers as layers
    from kformat.validate import iter_issues

    with pytest.raises(ValueError, match="projection_dim"):
        layers.LayerScale(init_values=0.1, projection_dim=0)
    import reference_runtime as rr

    x = rr.Input((3,))
    model = rr.Model(x, layers.LayerScale(init_values=0.1, projection_dim=3)(x))
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["projection_dim"] = 0
    members["config.json"] = json.dumps(config).encode()
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    assert "KF305" in {i.code for i in iter_issues(bad)}


def test_custom_scale_layer_matches_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        from keras.src.applications.inception_resnet_v2 import CustomScaleLayer

        x = keras.Input((5,))
        r = keras.layers.Dense(5)(x)
        return keras.Model(x, CustomScaleLayer(0.17, name="scaled")([x, r]))

    check_layer("CustomScaleLayer", tmp_path, build, random_inputs([((3, 5), "float32")]))
    with zipfile.ZipFile(tmp_path / "runtime_written.keras") as z:
        layers = json.loads(z.read("config.json"))["config"]["layers"]
    entry = next(e for e in layers if e["class_name"] == "CustomScaleLayer")
    assert entry["module"] == "keras.src.applications.inception_resnet_v2"
