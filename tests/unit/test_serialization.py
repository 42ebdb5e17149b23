"""kformat.serialization: plain values, special encodings, registry, refusals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kformat import UnsafeArchiveError, UnsupportedFeatureError
from kformat.serialization import (
    Hooks,
    KerasTensorRef,
    Registry,
    deserialize,
    is_serialized_object,
    registered_name,
    serialize,
)


class Scale:
    def __init__(self, factor: float = 1.0) -> None:
        self.factor = factor

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Scale:
        return cls(**config)


def test_plain_values_pass_through() -> None:
    value = {"a": [1, 2.5, "x", None, True], "b": {"c": []}}
    assert serialize(value) == value
    assert deserialize(value) == value


def test_tuples_become_lists() -> None:
    assert serialize((1, (2, 3))) == [1, [2, 3]]


@pytest.mark.parametrize(
    "value",
    [np.arange(6, dtype="float32").reshape(2, 3), np.array([1, 2], dtype="int64")],
)
def test_numpy_round_trip(value: np.ndarray[Any, Any]) -> None:
    data = serialize(value)
    assert data["class_name"] == "__numpy__"
    back = deserialize(data)
    assert back.dtype == value.dtype
    np.testing.assert_array_equal(back, value)


def test_numpy_scalars_are_json_numbers() -> None:
    assert serialize(np.float32(1.5)) == 1.5
    assert serialize(np.array(3)) == 3


def test_bytes_slice_ellipsis() -> None:
    for value in (b"caf\xc3\xa9", slice(1, None, 2), Ellipsis):
        assert deserialize(serialize(value)) == value
    assert serialize(slice(1, 5))["class_name"] == "__slice__"


def test_keras_tensor_ref() -> None:
    data = {
        "class_name": "__keras_tensor__",
        "config": {"shape": [None, 4], "dtype": "float32", "keras_history": ["dense", 0, 0]},
    }
    ref = deserialize(data)
    assert ref == KerasTensorRef((None, 4), "float32", ("dense", 0, 0))
    assert serialize(ref) == data


def test_registry_default_package_and_names() -> None:
    reg = Registry()
    reg.register()(Scale)
    assert registered_name(Scale, reg) == "Custom>Scale"
    data = serialize(Scale(2.0), registry=reg)
    assert data == {
        "module": None,
        "class_name": "Scale",
        "config": {"factor": 2.0},
        "registered_name": "Custom>Scale",
    }
    obj = deserialize(data, registry=reg)
    assert isinstance(obj, Scale) and obj.factor == 2.0


def test_registered_function() -> None:
    reg = Registry()

    @reg.register("my_pkg", "act")
    def my_act(x: Any) -> Any:
        return x

    data = serialize(my_act, registry=reg)
    assert data == {
        "module": "builtins",
        "class_name": "function",
        "config": "my_pkg>act",
        "registered_name": "function",
    }
    assert deserialize(data, registry=reg) is my_act
    # Keras <= 3.6 wrote the bare name; it still resolves through "pkg>name".
    assert (
        deserialize(
            {
                "module": "builtins",
                "class_name": "function",
                "config": "act",
                "registered_name": "function",
            },
            registry=reg,
        )
        is my_act
    )


def test_custom_objects_by_class_name() -> None:
    data = {
        "module": "__main__",
        "class_name": "Scale",
        "config": {"factor": 3.0},
        "registered_name": "Scale",
    }
    assert deserialize(data, custom_objects={"Scale": Scale}).factor == 3.0


def test_builtins_only_for_keras_modules() -> None:
    data = {"module": "keras.layers", "class_name": "Scale", "config": {}, "registered_name": None}
    assert isinstance(deserialize(data, builtins={"Scale": Scale}), Scale)
    # A non-keras module naming the same class does not reach the built-ins.
    evil = {"module": "os", "class_name": "Scale", "config": {}, "registered_name": None}
    with pytest.raises(UnsupportedFeatureError, match="needs a custom object"):
        deserialize(evil, builtins={"Scale": Scale})
    # A built-in name with a foreign registered_name is not the built-in.
    odd = {"module": "keras.layers", "class_name": "Scale", "config": {}, "registered_name": "x>Y"}
    with pytest.raises(UnsupportedFeatureError):
        deserialize(odd, builtins={"Scale": Scale})


def test_unknown_class_names_itself() -> None:
    data = {
        "module": "os",
        "class_name": "system",
        "config": {"command": "touch /tmp/x"},
        "registered_name": None,
    }
    with pytest.raises(UnsupportedFeatureError, match="'system'") as err:
        deserialize({"layers": [data]})
    assert err.value.path == "/layers/0"


def test_lambda_refused_anywhere() -> None:
    lam = {"class_name": "__lambda__", "config": {"value": ["YWJj", None, None]}}
    with pytest.raises(UnsafeArchiveError, match="bytecode") as err:
        deserialize({"a": {"b": [1, lam]}})
    assert err.value.path == "/a/b/1"


def test_is_serialized_object() -> None:
    assert is_serialized_object({"class_name": "X", "config": {}})
    assert not is_serialized_object({"class_name": "X"})


def test_serialize_refuses_unknowns() -> None:
    with pytest.raises(TypeError):
        serialize({1, 2})
    with pytest.raises(TypeError, match="register"):
        serialize(lambda x: x)
    with pytest.raises(TypeError):
        serialize({1: "a"})


def test_registry_rejects_bad_package() -> None:
    with pytest.raises(ValueError):
        Registry().register("a>b")
    # keras.saving.register_keras_serializable raises ValueError here too.
    with pytest.raises(ValueError, match="get_config"):
        Registry().register()(type("NoConfig", (), {}))


def test_typespec_refused_as_unsafe() -> None:
    spec = {
        "class_name": "__typespec__",
        "spec_name": "TensorSpec",
        "module": "tensorflow",
        "config": [[None, 2], "float32"],
        "registered_name": None,
    }
    with pytest.raises(UnsafeArchiveError) as err:
        deserialize({"x": spec})
    assert err.value.code == "KF508"


class _Runtime(Hooks):
    """A runtime's part: one built-in class, raw configs, a bare-name table."""

    decode_config = False

    def __init__(self) -> None:
        self.built: list[tuple[Any, Any, tuple[str | int, ...]]] = []

    def builtin(self, kind: str, name: str, module: str | None) -> Any:
        return Scale if (kind, name) == ("class", "Scale") else None

    def named(self, value: str) -> Any:
        return {"relu": "RELU"}.get(value, value)

    def build(self, cls: Any, entry: Any, config: Any, parts: tuple[str | int, ...]) -> Any:
        self.built.append((cls, config, parts))
        return cls(factor=len(config))

    def missing(self, kind: str, entry: Any) -> str:
        return f"runtime has no {kind} {entry['class_name']}"


def test_hooks_supply_builtins_build_and_messages() -> None:
    hooks = _Runtime()
    nested = {"class_name": "__lambda__", "config": {}}
    data = {
        "layers": [
            {"module": "keras.layers", "class_name": "Scale", "config": {"a": nested}},
            "relu",
        ]
    }
    out = deserialize(data, hooks=hooks, path=("config",))
    assert isinstance(out["layers"][0], Scale) and out["layers"][1] == "RELU"
    # The raw config reaches build (Keras' from_config decodes its own parts).
    assert hooks.built == [(Scale, {"a": nested}, ("config", "layers", 0))]
    with pytest.raises(UnsupportedFeatureError, match="runtime has no class Other") as err:
        deserialize([{"module": "x", "class_name": "Other", "config": {}}], hooks=hooks)
    assert (err.value.code, err.value.path) == ("KF306", "/0")


def test_lambda_without_safe_mode_is_unsupported_not_run() -> None:
    lam = {"class_name": "__lambda__", "config": {"value": ["YWJj", None, None]}}
    with pytest.raises(UnsupportedFeatureError) as err:
        deserialize([lam], safe_mode=False, member="config.json")
    assert (err.value.code, err.value.member, err.value.path) == ("KF501", "config.json", "/0")


def test_hooks_name_builtin_classes_when_serializing() -> None:
    class Named(Hooks):
        def class_identity(self, cls: type) -> tuple[str | None, str, str | None] | None:
            return ("keras.layers", "Scale", None) if cls is Scale else None

        def encode(self, value: Any) -> Any:
            return "one" if value == 1j else NotImplemented

    data = serialize([Scale(2.0), 1j], hooks=Named())
    assert data == [
        {
            "module": "keras.layers",
            "class_name": "Scale",
            "config": {"factor": 2.0},
            "registered_name": None,
        },
        "one",
    ]


def test_registry_objects_is_the_live_mapping() -> None:
    reg = Registry()
    reg.register("P")(Scale)
    assert reg.objects == {"P>Scale": Scale} and reg.name_of(Scale) == "P>Scale"
    reg.objects.clear()  # as keras.saving.get_custom_objects().clear() in the guide
    assert reg.name_of(Scale) is None
    assert registered_name(Scale, reg) == "Scale"
