"""The saving guide's workflows with Keras names, checked against real Keras.

compile() recorded as compile_config, optimizer state kept verbatim,
get/set_weights, to_json/model_from_json, clone_model, summary counts,
save_weights/load_weights (plain and sharded), config objects
(serialize_keras_object), custom layers saved at Keras's paths.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import assert_close

import kformat
import reference_runtime as rr


def _mlp(k: Any, name: str = "3_layer_mlp") -> Any:
    inputs = k.Input(shape=(20,), name="digits")
    x = k.layers.Dense(16, activation="relu", name="dense_1")(inputs)
    x = k.layers.BatchNormalization()(x)
    outputs = k.layers.Dense(4, name="predictions")(x)
    return k.Model(inputs=inputs, outputs=outputs, name=name)


@pytest.mark.oracle
def test_compile_config_matches_keras(tmp_path: Path, keras: Any) -> None:
    ours, theirs = _mlp(rr), _mlp(keras)
    for model, k in ((ours, rr), (theirs, keras)):
        model.compile(
            optimizer=k.optimizers.Adam(learning_rate=3e-4),
            loss="mean_squared_error",
            metrics=["accuracy", k.metrics.AUC()],
        )
    mine, want = ours.get_compile_config(), theirs.get_compile_config()
    mine["metrics"][1]["config"].pop("name")
    want["metrics"][1]["config"].pop("name")
    assert mine == want
    ours.save(tmp_path / "c.keras")
    loaded = keras.saving.load_model(tmp_path / "c.keras")
    assert loaded.get_compile_config()["optimizer"] == want["optimizer"]
    again = rr.load_model(tmp_path / "c.keras")
    assert again.compiled and again.get_compile_config()["loss"] == "mean_squared_error"
    assert rr.load_model(tmp_path / "c.keras", compile=False).optimizer is None


@pytest.mark.oracle
def test_optimizer_state_survives_resave(tmp_path: Path, keras: Any) -> None:
    model = _mlp(keras)
    model.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    model.optimizer.build(model.trainable_variables)
    grads = [np.full(v.shape, 0.5, "float32") for v in model.trainable_variables]
    model.optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    model.save(tmp_path / "k.keras")
    ours = rr.load_model(tmp_path / "k.keras")
    ours.save(tmp_path / "r.keras")
    a, b = kformat.read(tmp_path / "k.keras"), kformat.read(tmp_path / "r.keras")
    opt = sorted(k for k in a.weights if k.startswith("/optimizer/"))
    assert (
        opt == sorted(k for k in b.weights if k.startswith("/optimizer/")) and len(opt) == 2 + 2 * 6
    )
    for key in opt:
        assert a.weights[key].dtype == b.weights[key].dtype
        np.testing.assert_array_equal(a.weights[key], b.weights[key])
    assert dict(b.groups["/optimizer/vars"]) == dict(a.groups["/optimizer/vars"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # Keras warns when optimizer counts differ
        reloaded = keras.saving.load_model(tmp_path / "r.keras")
    assert int(reloaded.optimizer.iterations.numpy()) == 1


@pytest.mark.oracle
def test_get_set_weights_and_summary_counts(keras: Any, capsys: Any) -> None:
    theirs, ours = _mlp(keras), _mlp(rr)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).random((3, 20), dtype="float32")
    assert_close("get_weights", ours(x), theirs.predict(x, verbose=0))
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    ours.summary()
    text = capsys.readouterr().out
    assert f"Total params: {theirs.count_params():,}" in text
    assert "Non-trainable params: 32 (128.00 B)" in text
    assert "dense_1 (Dense)" in text and "(None, 16)" in text


def test_layer_to_layer_and_stateless_transfer() -> None:
    def create_layer() -> Any:
        layer = rr.layers.Dense(64, activation="relu", name="dense_2")
        layer.build((None, 784))
        return layer

    layer_1, layer_2 = create_layer(), create_layer()
    layer_2.set_weights(layer_1.get_weights())
    np.testing.assert_array_equal(layer_2.kernel.numpy(), layer_1.kernel.numpy())

    inputs = rr.Input(shape=(784,), name="digits")
    x = rr.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = rr.layers.Dense(64, activation="relu", name="dense_2")(x)
    plain = rr.Model(inputs, rr.layers.Dense(10, name="predictions")(x))
    inputs = rr.Input(shape=(784,), name="digits")
    x = rr.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = rr.layers.Dropout(0.5)(rr.layers.Dense(64, activation="relu", name="dense_2")(x))
    with_dropout = rr.Model(inputs, rr.layers.Dense(10, name="predictions")(x))
    with_dropout.set_weights(plain.get_weights())
    data = np.ones((1, 784), "float32")
    np.testing.assert_array_equal(with_dropout(data), plain(data))
    with pytest.raises(ValueError, match="weight list of length"):
        plain.set_weights(plain.get_weights()[:-1])


@pytest.mark.oracle
def test_json_clone_and_keras_model_from_json(keras: Any) -> None:
    ours = _mlp(rr)
    text = ours.to_json()
    theirs = keras.models.model_from_json(text)
    theirs.set_weights(ours.get_weights())
    x = np.random.default_rng(1).random((2, 20), dtype="float32")
    assert_close("to_json", theirs.predict(x, verbose=0), ours(x))
    back = rr.models.model_from_json(_mlp(keras).to_json())
    assert [type(la).__name__ for la in back.layers] == [
        "InputLayer",
        "Dense",
        "BatchNormalization",
        "Dense",
    ]
    clone = rr.models.clone_model(ours)
    assert json.loads(clone.to_json()) == json.loads(text)
    assert not np.array_equal(clone.layers[1].kernel.numpy(), ours.layers[1].kernel.numpy())


@pytest.mark.oracle
@pytest.mark.parametrize("sharded", [False, True])
def test_save_and_load_weights(tmp_path: Path, keras: Any, sharded: bool) -> None:
    ours, theirs = _mlp(rr), _mlp(keras)
    name = "w.weights.json" if sharded else "w.weights.h5"
    kwargs = {"max_shard_size": 0.0000015} if sharded else {}
    ours.save_weights(tmp_path / name, **kwargs)
    theirs.load_weights(tmp_path / name)
    x = np.random.default_rng(2).random((2, 20), dtype="float32")
    assert_close("save_weights", theirs.predict(x, verbose=0), ours(x))
    if sharded:
        assert len(list(tmp_path.glob("w_*.weights.h5"))) > 1
    theirs2 = _mlp(keras)
    theirs2.save_weights(tmp_path / ("k_" + name), **kwargs)
    ours.load_weights(tmp_path / ("k_" + name))
    assert_close("load_weights", ours(x), theirs2.predict(x, verbose=0))
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        ours.save_weights(tmp_path / "bad.h5")


@pytest.mark.oracle
def test_config_objects_serialize_like_keras(keras: Any) -> None:
    pairs = [
        (rr.regularizers.L1(0.005), keras.regularizers.L1(0.005)),
        (rr.regularizers.L1L2(l1=1e-5, l2=1e-4), keras.regularizers.L1L2(l1=1e-5, l2=1e-4)),
        (rr.initializers.GlorotUniform(seed=3), keras.initializers.GlorotUniform(seed=3)),
        (rr.initializers.RandomNormal(stddev=0.1), keras.initializers.RandomNormal(stddev=0.1)),
        (rr.constraints.MaxNorm(3), keras.constraints.MaxNorm(3)),
        (rr.optimizers.RMSprop(), keras.optimizers.RMSprop()),
        (rr.optimizers.SGD(momentum=0.9), keras.optimizers.SGD(momentum=0.9)),
        (
            rr.losses.SparseCategoricalCrossentropy(from_logits=True),
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        ),
    ]
    for mine, theirs in pairs:
        want = keras.saving.serialize_keras_object(theirs)
        assert rr.saving.serialize_keras_object(mine) == want
        back = rr.saving.deserialize_keras_object(want)
        assert type(back) is type(mine) and back.get_config() == mine.get_config()
    assert rr.saving.serialize_keras_object(
        rr.activations.relu
    ) == keras.saving.serialize_keras_object(keras.activations.relu)


@pytest.mark.oracle
def test_custom_layer_weights_at_keras_paths(tmp_path: Path, keras: Any) -> None:
    def make(base: Any, register: Any, ops: Any) -> Any:
        @register(package="Paths", name="Block")
        class Block(base):  # type: ignore[misc, valid-type]
            def __init__(self, units: int, **kwargs: Any) -> None:
                super().__init__(**kwargs)
                self.units = units
                self.proj = (rr if ops is np else keras).layers.Dense(units)
                self.blocks = [(rr if ops is np else keras).layers.Dense(units) for _ in range(2)]

            def build(self, input_shape: Any) -> None:
                self.scale = self.add_weight(name="scale", shape=(self.units,), initializer="ones")

            def call(self, x: Any) -> Any:
                h = self.proj(x)
                for b in self.blocks:
                    h = b(h)
                return h * self.scale

            def get_config(self) -> dict[str, Any]:
                return {**super().get_config(), "units": self.units}

        return Block

    RBlock = make(rr.layers.Layer, rr.saving.register_keras_serializable, np)
    KBlock = make(keras.layers.Layer, keras.saving.register_keras_serializable, keras.ops)
    x = rr.Input((3,))
    ours = rr.Model(x, RBlock(4)(x))
    ours.save(tmp_path / "c.keras")
    groups = set(kformat.read(tmp_path / "c.keras").groups)
    assert {
        "/layers/block/proj/vars",
        "/layers/block/blocks/dense/vars",
        "/layers/block/blocks/dense_1/vars",
        "/layers/block/vars",
    } <= groups
    theirs = keras.saving.load_model(tmp_path / "c.keras", custom_objects={"Paths>Block": KBlock})
    data = np.random.default_rng(3).random((2, 3), dtype="float32")
    assert_close("custom layer", theirs.predict(data, verbose=0), ours(data))
    reloaded = rr.load_model(tmp_path / "c.keras")
    assert_close("custom layer", reloaded(data), ours(data))


def test_unzipped_directory_layout(tmp_path: Path) -> None:
    model = _mlp(rr)
    model.save(tmp_path / "model_dir", zipped=False)
    assert sorted(p.name for p in (tmp_path / "model_dir").iterdir()) == [
        "config.json",
        "metadata.json",
        "model.weights.h5",
    ]
    again = rr.load_model(tmp_path / "model_dir")
    x = np.ones((1, 20), "float32")
    np.testing.assert_array_equal(again(x), model(x))
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "model.zip")
    assert zipfile.is_zipfile(tmp_path / "model_dir" / "model.weights.h5") is False


def test_foreign_optimizer_config_is_kept_verbatim() -> None:
    tf_keras_adam = {
        "module": "keras.optimizers",
        "class_name": "Adam",
        "registered_name": None,
        "config": {
            "name": "Adam",
            "jit_compile": False,
            "is_legacy_optimizer": False,
            "learning_rate": 0.001,
            "beta_1": 0.9,
        },
    }
    opt = rr.saving.deserialize_keras_object(tf_keras_adam)
    assert rr.saving.serialize_keras_object(opt) == tf_keras_adam
    assert opt.learning_rate == 0.001
    with pytest.raises(TypeError, match="unexpected"):
        rr.optimizers.Adam(is_legacy_optimizer=False)
