"""The Keras saving guide's examples, run with ``import reference_runtime as keras``.

Source: the Keras guide "Save, serialize, and export models" (keras.io/guides/serialization_and_saving). Training
lines (``model.fit``) are dropped, TensorFlow calls become NumPy
(``tf.ones`` -> ``np.ones``, ``tf.matmul`` -> ``np.matmul``); the export
section needs TensorFlow and is out of scope. Everything else is the guide's
code with its own assertions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import reference_runtime as keras


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    saved = dict(keras.saving.get_custom_objects())
    yield
    keras.saving.get_custom_objects().clear()
    keras.saving.get_custom_objects().update(saved)


def test_how_to_save_and_load() -> None:
    def get_model() -> Any:
        inputs = keras.Input(shape=(32,))
        outputs = keras.layers.Dense(1)(inputs)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
        return model

    model = get_model()
    test_input = np.random.random((128, 32))
    model.save("my_model.keras")
    reconstructed_model = keras.models.load_model("my_model.keras")
    np.testing.assert_allclose(model.predict(test_input), reconstructed_model.predict(test_input))


def _custom_objects_setup() -> tuple[Any, Any, Any]:
    keras.saving.get_custom_objects().clear()

    @keras.saving.register_keras_serializable(package="MyLayers")
    class CustomLayer(keras.layers.Layer):
        def __init__(self, factor: float) -> None:
            super().__init__()
            self.factor = factor

        def call(self, x: Any) -> Any:
            return x * self.factor

        def get_config(self) -> dict[str, Any]:
            return {"factor": self.factor}

    @keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
    def custom_fn(x: Any) -> Any:
        return x**2

    def get_model() -> Any:
        inputs = keras.Input(shape=(4,))
        mid = CustomLayer(0.5)(inputs)
        outputs = keras.layers.Dense(1, activation=custom_fn)(mid)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="rmsprop", loss="mean_squared_error")
        return model

    return CustomLayer, custom_fn, get_model


def test_custom_objects_three_ways() -> None:
    CustomLayer, custom_fn, get_model = _custom_objects_setup()
    test_input = np.random.random((4, 4))

    model = get_model()
    model.save("custom_model.keras")
    reconstructed_model = keras.models.load_model("custom_model.keras")
    np.testing.assert_allclose(model.predict(test_input), reconstructed_model.predict(test_input))

    reconstructed_model = keras.models.load_model(
        "custom_model.keras", custom_objects={"CustomLayer": CustomLayer, "custom_fn": custom_fn}
    )
    np.testing.assert_allclose(model.predict(test_input), reconstructed_model.predict(test_input))

    custom_objects = {"CustomLayer": CustomLayer, "custom_fn": custom_fn}
    with keras.saving.custom_object_scope(custom_objects):
        reconstructed_model = keras.models.load_model("custom_model.keras")
    np.testing.assert_allclose(model.predict(test_input), reconstructed_model.predict(test_input))

    # Without the registry, custom_objects alone must be enough.
    keras.saving.get_custom_objects().clear()
    reconstructed_model = keras.models.load_model(
        "custom_model.keras",
        custom_objects={"MyLayers>CustomLayer": CustomLayer, "my_package>custom_fn": custom_fn},
    )
    np.testing.assert_allclose(model.predict(test_input), reconstructed_model.predict(test_input))


def test_model_serialization_apis() -> None:
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
    new_model = keras.models.clone_model(model)
    assert new_model.get_config() == model.get_config()

    layer = keras.layers.Dense(3, activation="relu")
    layer_config = layer.get_config()
    new_layer = keras.layers.Dense.from_config(layer_config)
    assert new_layer.get_config() == layer_config

    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
    config = model.get_config()
    new_model = keras.Sequential.from_config(config)

    inputs = keras.Input((32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_config()
    new_model = keras.Model.from_config(config)
    assert [type(la) for la in new_model.layers] == [type(la) for la in model.layers]

    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
    json_config = model.to_json()
    new_model = keras.models.model_from_json(json_config)

    my_reg = keras.regularizers.L1(0.005)
    config = keras.saving.serialize_keras_object(my_reg)
    assert config == {
        "module": "keras.regularizers",
        "class_name": "L1",
        "config": {"l1": 0.004999999888241291},
        "registered_name": None,
    }
    new_reg = keras.saving.deserialize_keras_object(config)
    assert new_reg.get_config() == my_reg.get_config()


def _functional_mlp(dropout: bool = False) -> Any:
    inputs = keras.Input(shape=(784,), name="digits")
    x = keras.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = keras.layers.Dense(64, activation="relu", name="dense_2")(x)
    if dropout:
        x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="3_layer_mlp")


def test_in_memory_weight_transfer() -> None:
    def create_layer() -> Any:
        layer = keras.layers.Dense(64, activation="relu", name="dense_2")
        layer.build((None, 784))
        return layer

    layer_1 = create_layer()
    layer_2 = create_layer()
    layer_2.set_weights(layer_1.get_weights())

    functional_model = _functional_mlp()

    class SubclassedModel(keras.Model):
        def __init__(self, output_dim: int, name: str | None = None) -> None:
            super().__init__(name=name)
            self.output_dim = output_dim
            self.dense_1 = keras.layers.Dense(64, activation="relu", name="dense_1")
            self.dense_2 = keras.layers.Dense(64, activation="relu", name="dense_2")
            self.dense_3 = keras.layers.Dense(output_dim, name="predictions")

        def call(self, inputs: Any) -> Any:
            x = self.dense_1(inputs)
            x = self.dense_2(x)
            x = self.dense_3(x)
            return x

        def get_config(self) -> dict[str, Any]:
            return {"output_dim": self.output_dim, "name": self.name}

    subclassed_model = SubclassedModel(10)
    subclassed_model(np.ones((1, 784)))
    subclassed_model.set_weights(functional_model.get_weights())
    assert len(functional_model.weights) == len(subclassed_model.weights)
    for a, b in zip(functional_model.weights, subclassed_model.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy())

    functional_model_with_dropout = _functional_mlp(dropout=True)
    functional_model_with_dropout.set_weights(functional_model.get_weights())


def test_weights_to_disk_and_transfer_learning(capsys: pytest.CaptureFixture[str]) -> None:
    sequential_model = keras.Sequential(
        [
            keras.Input(shape=(784,), name="digits"),
            keras.layers.Dense(64, activation="relu", name="dense_1"),
            keras.layers.Dense(64, activation="relu", name="dense_2"),
            keras.layers.Dense(10, name="predictions"),
        ]
    )
    sequential_model.save_weights("my_model.weights.h5")
    sequential_model.load_weights("my_model.weights.h5")

    class NestedDenseLayer(keras.layers.Layer):
        def __init__(self, units: int, name: str | None = None) -> None:
            super().__init__(name=name)
            self.dense_1 = keras.layers.Dense(units, name="dense_1")
            self.dense_2 = keras.layers.Dense(units, name="dense_2")

        def call(self, inputs: Any) -> Any:
            return self.dense_2(self.dense_1(inputs))

    nested_model = keras.Sequential([keras.Input((784,)), NestedDenseLayer(10, "nested")])
    variable_names = [v.name for v in nested_model.weights]
    nested_model.get_layer("nested").dense_1.trainable = False
    variable_names_2 = [v.name for v in nested_model.weights]
    assert (
        variable_names == variable_names_2
    )  # Keras 3 keeps `weights` order (the guide shows Keras 2)
    assert len(nested_model.trainable_weights) == 2

    functional_model = _functional_mlp()
    functional_model.save_weights("pretrained.weights.h5")
    pretrained_model = _functional_mlp()
    pretrained_model.load_weights("pretrained.weights.h5")
    extracted_layers = pretrained_model.layers[:-1]
    extracted_layers.append(keras.layers.Dense(5, name="dense_3"))
    model = keras.Sequential(extracted_layers)
    model.summary()
    out = capsys.readouterr().out
    assert "Total params: 54,725 (213.77 KB)" in out
    assert "Trainable params: 54,725 (213.77 KB)" in out


def test_appendix_config_methods() -> None:
    @keras.saving.register_keras_serializable(package="MyLayers", name="KernelMult")
    class MyDense(keras.layers.Layer):
        def __init__(
            self,
            units: int,
            *,
            kernel_regularizer: Any = None,
            kernel_initializer: Any = None,
            nested_model: Any = None,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            self.hidden_units = units
            self.kernel_regularizer = kernel_regularizer
            self.kernel_initializer = kernel_initializer
            self.nested_model = nested_model

        def get_config(self) -> dict[str, Any]:
            config = super().get_config()
            config.update(
                {
                    "units": self.hidden_units,
                    "kernel_regularizer": self.kernel_regularizer,
                    "kernel_initializer": self.kernel_initializer,
                    "nested_model": self.nested_model,
                }
            )
            return config

        def build(self, input_shape: Any) -> None:
            input_units = input_shape[-1]
            self.kernel = self.add_weight(
                name="kernel",
                shape=(input_units, self.hidden_units),
                regularizer=self.kernel_regularizer,
                initializer=self.kernel_initializer,
            )

        def call(self, inputs: Any) -> Any:
            return np.matmul(inputs, self.kernel)

    layer = MyDense(units=16, kernel_regularizer="l1", kernel_initializer="ones")
    layer3 = MyDense(units=64, nested_model=layer)
    config = keras.layers.serialize(layer3)
    assert config["registered_name"] == "MyLayers>KernelMult"
    assert config["config"]["nested_model"]["config"]["kernel_initializer"] == "ones"
    new_layer = keras.layers.deserialize(config)
    assert isinstance(new_layer, MyDense)

    @keras.saving.register_keras_serializable(package="ComplexModels")
    class CustomModel(keras.layers.Layer):
        def __init__(self, first_layer: Any, second_layer: Any = None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.first_layer = first_layer
            if second_layer is not None:
                self.second_layer = second_layer
            else:
                self.second_layer = keras.layers.Dense(8)

        def get_config(self) -> dict[str, Any]:
            config = super().get_config()
            config.update({"first_layer": self.first_layer, "second_layer": self.second_layer})
            return config

        @classmethod
        def from_config(cls, config: dict[str, Any]) -> Any:
            config["first_layer"] = keras.layers.deserialize(config["first_layer"])
            config["second_layer"] = keras.layers.deserialize(config["second_layer"])
            return cls(**config)

        def call(self, inputs: Any) -> Any:
            return self.first_layer(self.second_layer(inputs))

    inputs = keras.Input((32,))
    outputs = CustomModel(first_layer=layer)(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_config()
    new_model = keras.Model.from_config(config)
    x = np.random.random((2, 32))
    new_model.set_weights(model.get_weights())
    np.testing.assert_allclose(new_model(x), model(x), rtol=1e-6)

    layer = MyDense(
        units=16,
        kernel_regularizer=keras.regularizers.L1L2(l1=1e-5, l2=1e-4),
        kernel_initializer="ones",
    )
    config = keras.layers.serialize(layer)
    assert config["config"]["kernel_regularizer"] == {
        "module": "keras.regularizers",
        "class_name": "L1L2",
        "config": {"l1": 1e-05, "l2": 0.0001},
        "registered_name": None,
    }
