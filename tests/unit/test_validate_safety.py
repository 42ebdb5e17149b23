"""Name resolution and the safety rules (kformat/validate/_safety.py; spec §9, §5.10)."""

from __future__ import annotations

from typing import Any

import pytest

from kformat.validate._safety import safety_issues


def obj(module: Any, cls: str, config: Any = None, reg: Any = None, **extra: Any) -> dict[str, Any]:
    out = {
        "module": module,
        "class_name": cls,
        "config": {} if config is None else config,
        "registered_name": reg,
        **extra,
    }
    if module == "<absent>":
        del out["module"]
    return out


def fn(module: Any, name: str) -> dict[str, Any]:
    return {
        "module": module,
        "class_name": "function",
        "config": name,
        "registered_name": "function",
    }


def found(tree: Any, layers: set[int] | None = None) -> list[tuple[str, str | None]]:
    custom: list[str] = []
    return [(i.code, i.path) for i in safety_issues(tree, custom, layers or set())]


@pytest.mark.parametrize(
    ("tree", "code"),
    [
        # §9.2 modules
        (obj("os", "system"), "KF502"),
        (obj("subprocess", "Popen"), "KF502"),
        (obj("builtins", "eval"), "KF502"),
        (obj("numpy", "load"), "KF502"),
        (obj("torch.serialization", "load"), "KF502"),
        (obj("my pkg!", "Layer"), "KF502"),
        (fn("builtins", "exec"), "KF502"),
        (fn("builtins", "__import__"), "KF502"),
        (fn("os.path", "join"), "KF502"),
        # §9.3 non-modelling APIs, §9.4 policy
        (fn("keras.utils", "get_file"), "KF503"),
        (fn("keras.src.utils.file_utils", "get_file"), "KF503"),
        (obj("keras.saving", "load_model"), "KF503"),
        (obj("keras.src.saving.saving_lib", "load_model"), "KF503"),
        (fn("keras.saving", "get_registered_object"), "KF503"),
        (fn("keras.config", "enable_unsafe_deserialization"), "KF504"),
        (obj("keras.src.saving.serialization_lib", "SafeModeScope"), "KF504"),
        (fn("my_pkg", "disable_safe_mode"), "KF504"),
        # §9.6
        (obj("keras.layers", "TorchModuleWrapper", {"module": "gASV"}), "KF507"),
        (obj("keras.layers", "TFSMLayer", {"filepath": "x"}), "KF507"),
        (obj("keras.layers", "TFOpLambda", {"function": "io.write_file"}), "KF507"),
        (obj("keras.layers", "TFOpLambda", {"function": "compat.v1.py_func"}), "KF507"),
        ({"class_name": "__lambda__", "config": {"value": ["YQ==", None, None]}}, "KF501"),
        ({"class_name": "__lambda__", "value": "no config key"}, "KF501"),
        (
            obj(
                "keras.layers",
                "Lambda",
                {"function": ["YQ==", None, None], "function_type": "lambda"},
            ),
            "KF501",
        ),
        (
            {
                "class_name": "__typespec__",
                "spec_name": "TensorSpec",
                "module": "tensorflow",
                "config": [[None], "float32"],
            },
            "KF508",
        ),
        # §4.2 / KF307
        (obj("keras.layers", "Dense", {"units": 1}, "evil>Dense"), "KF307"),
        (obj("keras.layers", "Dense", {"units": 1}, "Other"), "KF307"),
    ],
)
def test_refused(tree: Any, code: str) -> None:
    codes = [
        c
        for c, _ in found(
            {
                "config": {"layers": [tree]},
                "class_name": "X",
                "module": None,
                "registered_name": "Custom>X",
            }
        )
    ]
    assert code in codes, codes


@pytest.mark.parametrize(
    "tree",
    [
        obj("keras.layers", "Dense", {"units": 1}),
        obj("keras.src.layers.core.dense", "Dense", {"units": 1}, "Dense"),  # Keras 3.0.x
        obj("<absent>", "Dense", {"units": 1}),  # legacy dict without module
        obj("keras.src.ops.numpy", "Add", {"name": "add"}),
        obj("keras", "DTypePolicy", {"name": "float32"}),
        obj("keras.mixed_precision", "Policy", {"name": "mixed_float16"}),
        obj("tf_keras.src.engine.functional", "Functional", {"layers": []}, "Functional"),
        fn("keras.activations", "relu"),
        fn("builtins", "gelu"),
        obj("keras.layers", "TFOpLambda", {"function": "math.add"}),
        {"class_name": "__numpy__", "config": {"value": [1], "dtype": "int32"}},
        {"class_name": "__keras_tensor__", "config": {"shape": [1], "keras_history": ["x", 0, 0]}},
        obj("keras.layers", "StringLookup", {"vocabulary": ["a", "b"]}),
        obj("keras.layers", "Dense", {"units": 1, "safe": True, "comment": "relu/gelu"}),
    ],
)
def test_accepted(tree: Any) -> None:
    assert found(tree) == []


@pytest.mark.parametrize(
    ("tree", "name"),
    [
        (obj("my_pkg.layers", "Block", {}, "MyPkg>Block"), "MyPkg>Block"),
        (obj(None, "Block", {}), "Block"),  # __main__
        (obj(None, "Dense", {}), "Dense"),  # module null is never a built-in
        (obj("keras_cases", "ScaleShift", {}, "MyLayers>ScaleShift"), "MyLayers>ScaleShift"),
        (fn("builtins", "Custom>my_act"), "Custom>my_act"),
        (fn("builtins", "my_act"), "my_act"),
        (fn("keras.ops", "exp"), "exp"),  # a Lambda with a named op still needs a decision
        (obj("keras.initializers", "MyInit", {}), "MyInit"),  # unknown helper in a Keras module
    ],
)
def test_custom_objects_are_listed(tree: Any, name: str) -> None:
    custom: list[str] = []
    issues = list(safety_issues(tree, custom, set()))
    assert [i.code for i in issues] == ["KF306"] and issues[0].severity == "warning"
    assert custom == [name]


def test_unknown_keras_layer_is_left_to_the_layer_checks() -> None:
    conv = obj("keras.layers", "GRU", {"units": 2})
    assert found(conv, layers={id(conv)}) == [] == found(conv)  # a built-in: KF310 from _layers
    fancy = obj("keras.layers", "FancyLayer", {})
    assert found(fancy, layers={id(fancy)}) == []  # a layer of a Keras module: KF310
    assert [c for c, _ in found(fancy)] == ["KF306"]  # an unknown helper object: custom


@pytest.mark.parametrize(
    ("config", "code", "path"),
    [
        ({"vocabulary": "/etc/passwd"}, "KF505", "/config/vocabulary"),
        ({"stop_words": "words.txt"}, "KF505", "/config/stop_words"),
        ({"filepath": "model_dir"}, "KF505", "/config/filepath"),
        ({"merges_file": "merges.txt"}, "KF505", "/config/merges_file"),
        ({"origin": "https://evil.example/x"}, "KF505", "/config/origin"),
        ({"note": "https://example.com"}, "KF509", "/config/note"),
        ({"note": "/etc/shadow"}, "KF509", "/config/note"),
        ({"note": "~/secrets"}, "KF509", "/config/note"),
        ({"note": "C:\\Windows"}, "KF509", "/config/note"),
        ({"note": "\\\\server\\share"}, "KF509", "/config/note"),
        ({"safe_mode": True}, "KF504", "/config/safe_mode"),
        ({"safe_mode": False}, "KF504", "/config/safe_mode"),
    ],
)
def test_paths_and_policy_keys(config: dict[str, Any], code: str, path: str) -> None:
    tree = obj("keras.layers", "TextVectorization", config)
    assert (code, path) in found(tree, layers={id(tree)})


def test_bytecode_found_at_any_depth() -> None:
    node: Any = {"class_name": "__lambda__", "config": {"value": ["YQ==", None, None]}}
    for _ in range(100):
        node = {"k": [node]}
    assert [c for c, _ in found(node)] == ["KF501"]


def test_module_class_name_values_are_not_paths() -> None:
    assert found(obj("keras.layers", "Dense", {"units": 1}, None, note=None)) == []
