"""Functional and Sequential structure (kformat/validate/_graph.py; spec §5.2-5.7)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kformat.validate._graph import graph_issues
from kformat.validate._layers import is_known_layer


def kt(layer: str, node: int = 0, tensor: int = 0) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": [None, 4], "dtype": "float32", "keras_history": [layer, node, tensor]},
    }


def entry(
    cls: str, name: str, nodes: list[Any], module: str = "keras.layers", **config: Any
) -> dict[str, Any]:
    return {
        "module": module,
        "class_name": cls,
        "config": {"name": name, **config},
        "registered_name": None,
        "name": name,
        "inbound_nodes": nodes,
    }


def k3(*tensors: Any, **kwargs: Any) -> dict[str, Any]:
    return {"args": list(tensors), "kwargs": kwargs}


def functional(layers: list[Any], inputs: Any, outputs: Any, name: str = "model") -> dict[str, Any]:
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": name,
            "trainable": True,
            "layers": layers,
            "input_layers": inputs,
            "output_layers": outputs,
        },
        "registered_name": "Functional",
    }


def codes(config: Any) -> list[tuple[str, str | None]]:
    return [(i.code, i.path) for i in graph_issues(config, is_known_layer)]


def chain() -> dict[str, Any]:
    return functional(
        [
            entry("InputLayer", "x", []),
            entry("Dense", "a", [k3(kt("x"))], units=4),
            entry("Dense", "b", [k3(kt("a"))], units=4),
        ],
        ["x", 0, 0],
        ["b", 0, 0],
    )


def test_valid_chain() -> None:
    assert codes(chain()) == []


def test_dangling_and_out_of_range() -> None:
    cfg = chain()
    cfg["config"]["layers"][2]["inbound_nodes"] = [k3(kt("ghost"))]
    cfg["config"]["output_layers"] = ["b", 1, 0]
    assert codes(cfg) == [
        ("KF301", "/config/layers/2/inbound_nodes/0/args/0/config/keras_history"),
        ("KF304", "/config/output_layers"),
    ]


def test_tensor_index_of_a_single_output_layer() -> None:
    cfg = chain()
    cfg["config"]["layers"][2]["inbound_nodes"] = [k3(kt("a", 0, 1))]
    assert codes(cfg) == [("KF304", "/config/layers/2/inbound_nodes/0/args/0/config/keras_history")]


def test_multi_head_attention_scores_are_a_second_output() -> None:
    cfg = functional(
        [
            entry("InputLayer", "x", []),
            entry(
                "MultiHeadAttention",
                "mha",
                [k3(kt("x"), kt("x"), return_attention_scores=True)],
                num_heads=2,
                key_dim=2,
            ),
            entry("Activation", "s", [k3(kt("mha", 0, 1))], activation="linear"),
        ],
        ["x", 0, 0],
        [["mha", 0, 0], ["s", 0, 0]],
    )
    assert codes(cfg) == []
    cfg["config"]["layers"][1]["inbound_nodes"][0]["kwargs"] = {}
    assert [c for c, _ in codes(cfg)] == ["KF304"]


def test_unknown_layer_outputs_are_not_judged() -> None:
    cfg = chain()
    cfg["config"]["layers"][1] = entry("MyLayer", "a", [k3(kt("x"))], module="my_pkg")
    cfg["config"]["layers"][2]["inbound_nodes"] = [k3(kt("a", 0, 3))]
    assert codes(cfg) == []


@pytest.mark.parametrize("ring", [["a"], ["a", "b"]])
def test_cycles(ring: list[str]) -> None:
    cfg = chain()
    # a consumes the last layer of the ring (itself, or b).
    cfg["config"]["layers"][1]["inbound_nodes"] = [k3(kt(ring[-1]))]
    found = codes(cfg)
    assert [c for c, _ in found] == ["KF303"]
    assert found[0][1] == "/config/layers/1/inbound_nodes/0"


def test_duplicate_names_functional_and_sequential() -> None:
    cfg = chain()
    cfg["config"]["layers"][2]["name"] = "a"
    cfg["config"]["output_layers"] = ["a", 0, 0]
    assert ("KF302", "/config/layers/2/name") in codes(cfg)
    seq = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": {"name": "d", "units": 1},
                },
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": {"name": "d", "units": 1},
                },
                {"module": "keras.layers", "class_name": "InputLayer", "config": {"name": "i"}},
            ],
        },
    }
    assert codes(seq) == [("KF302", "/config/layers/1/config/name"), ("KF316", "/config/layers/2")]


def test_inputs_must_be_input_layers_and_not_empty() -> None:
    cfg = chain()
    cfg["config"]["input_layers"] = [["a", 0, 0]]
    cfg["config"]["output_layers"] = []
    assert codes(cfg) == [("KF315", "/config/input_layers/0"), ("KF315", "/config/output_layers")]


def test_dict_structures() -> None:
    cfg = chain()
    cfg["config"]["input_layers"] = {"features": ["x", 0, 0]}
    cfg["config"]["output_layers"] = {"logits": ["b", 0, 0], "ghost": ["nope", 0, 0]}
    assert codes(cfg) == [("KF301", "/config/output_layers/ghost")]


def nested_keras3() -> dict[str, Any]:
    inner = functional(
        [entry("InputLayer", "ix", []), entry("Dense", "d", [k3(kt("ix"))], units=4)],
        ["ix", 0, 0],
        ["d", 0, 0],
        name="inner",
    )
    inner |= {"name": "inner", "inbound_nodes": [k3(kt("x"), mask=None)]}
    seq = {
        "module": "keras",
        "class_name": "Sequential",
        "name": "seq",
        "config": {
            "name": "seq",
            "layers": [
                {"module": "keras.layers", "class_name": "InputLayer", "config": {"name": "si"}},
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": {"name": "sd", "units": 4},
                },
            ],
        },
        "inbound_nodes": [k3(kt("inner"))],
    }
    return functional(
        [entry("InputLayer", "x", []), inner, seq], ["x", 0, 0], [["inner", 1, 0], ["seq", 0, 0]]
    )


def test_nested_models_keras3_offsets() -> None:
    """Keras 3: plain index in nodes; +1 for a nested Functional in output_layers only."""
    cfg = nested_keras3()
    assert codes(cfg) == []
    bad = copy.deepcopy(cfg)
    bad["config"]["output_layers"] = [["inner", 0, 0], ["seq", 1, 0]]
    assert [c for c, _ in codes(bad)] == ["KF304", "KF304"]
    bad = copy.deepcopy(cfg)
    bad["config"]["layers"][2]["inbound_nodes"] = [k3(kt("inner", 1))]
    assert [c for c, _ in codes(bad)] == ["KF304"]


def test_nested_layers_are_checked_too() -> None:
    cfg = nested_keras3()
    cfg["config"]["layers"][1]["config"]["output_layers"] = ["ghost", 0, 0]
    assert codes(cfg) == [("KF301", "/config/layers/1/config/output_layers")]


def keras2() -> dict[str, Any]:
    """tf.keras: list nodes, +1 for nested models built on an InputLayer, bare
    TFOpLambda entries with tensor references in kwargs, constants."""
    inner = functional(
        [entry("InputLayer", "ix", []), entry("Dense", "d", [[["ix", 0, 0, {}]]], units=4)],
        [["ix", 0, 0]],
        [["d", 0, 0]],
        name="inner",
    )
    inner |= {"name": "inner", "inbound_nodes": [[["x", 0, 0, {}]]]}
    tfop = entry(
        "TFOpLambda",
        "tf.math.add",
        [["inner", 1, 0, {"y": ["x", 0, 0], "name": None}]],
        function="math.add",
    )
    out = entry("Dense", "out", [[["tf.math.add", 0, 0, {}]]], units=2)
    return functional(
        [entry("InputLayer", "x", []), inner, tfop, out],
        [["x", 0, 0]],
        [["out", 0, 0], ["inner", 1, 0]],
    )


def test_keras2_node_form() -> None:
    assert codes(keras2()) == []


def test_keras2_offsets_and_kwargs_references() -> None:
    cfg = keras2()
    cfg["config"]["layers"][2]["inbound_nodes"] = [["inner", 0, 0, {"y": ["ghost", 0, 0]}]]
    assert codes(cfg) == [
        ("KF304", "/config/layers/2/inbound_nodes/0"),
        ("KF301", "/config/layers/2/inbound_nodes/0/3/y"),
    ]


def test_keras2_constant_is_kf314() -> None:
    cfg = keras2()
    cfg["config"]["layers"][3]["inbound_nodes"] = [
        [["tf.math.add", 0, 0, {}]],
        [["_CONSTANT_VALUE", -1, 1.0, {}]],
    ]
    assert codes(cfg) == [("KF314", "/config/layers/3/inbound_nodes/1/0")]


def test_malformed_shapes_are_left_to_the_schema() -> None:
    cfg = chain()
    cfg["config"]["layers"][1]["inbound_nodes"] = [
        k3({"class_name": "__keras_tensor__", "config": 3}),
        "junk",
        [1, 2, 3],
    ]
    cfg["config"]["layers"].append(["not", "an", "entry"])
    cfg["config"]["output_layers"] = ["b", "0", 0]
    assert codes(cfg) == []
