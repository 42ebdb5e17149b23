"""Every loader failure is a KFormatError with code, member and JSON pointer (spec §11)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
import reference_runtime as rr
from kformat.errors import (
    InvalidArchiveError,
    KFormatError,
    UnsafeArchiveError,
    UnsupportedFeatureError,
)

CORPUS = Path(__file__).resolve().parents[2] / "conformance"


def _dense(**config: Any) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "registered_name": None,
        "name": "d",
        "config": {"name": "d", "units": 3, **config},
        "build_config": {"input_shape": [None, 2]},
        "inbound_nodes": [
            {
                "args": [
                    {
                        "class_name": "__keras_tensor__",
                        "config": {
                            "shape": [None, 2],
                            "dtype": "float32",
                            "keras_history": ["x", 0, 0],
                        },
                    }
                ],
                "kwargs": {},
            }
        ],
    }


def _model(layer: dict[str, Any]) -> dict[str, Any]:
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "registered_name": "Functional",
        "config": {
            "name": "m",
            "trainable": True,
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "registered_name": None,
                    "name": "x",
                    "inbound_nodes": [],
                    "config": {"batch_shape": [None, 2], "dtype": "float32", "name": "x"},
                },
                layer,
            ],
            "input_layers": ["x", 0, 0],
            "output_layers": [layer["name"], 0, 0],
        },
    }


def _history(config: dict[str, Any]) -> list[Any]:
    args = config["config"]["layers"][1]["inbound_nodes"][0]["args"]
    return args[0]["config"]["keras_history"]  # type: ignore[no-any-return]


def _raises(config: dict[str, Any], cls: type[KFormatError] = KFormatError) -> KFormatError:
    with pytest.raises(cls) as info:
        rr.models.model_from_json(json.dumps(config))
    assert info.value.member == "config.json"
    assert info.value.code is not None and info.value.path is not None
    return info.value


def test_the_valid_base_config_builds() -> None:
    model = rr.models.model_from_json(json.dumps(_model(_dense())))
    assert model(np.ones((1, 2), "float32")).shape == (1, 3)


@pytest.mark.parametrize(
    ("config", "code", "path"),
    [
        ({"units": 0}, "KF305", "/config/layers/1/config/units"),
        ({"units": 10**12}, "KF308", "/config/layers/1/config"),
        ({"units": "many"}, "KF305", "/config/layers/1/config/units"),
        ({"bogus": 1}, "KF312", "/config/layers/1/config/bogus"),
        ({"dtype": "object"}, "KF305", "/config/layers/1/config/dtype"),
        ({"dtype": "(float32, (2,))"}, "KF305", "/config/layers/1/config/dtype"),
    ],
)
def test_bad_layer_values(config: dict[str, Any], code: str, path: str) -> None:
    err = _raises(_model(_dense(**config)))
    assert (err.code, err.path) == (code, path)


@pytest.mark.parametrize("index", [-1, 10**6, "1e999", 10**4000])
def test_bad_node_indices(index: Any) -> None:
    config = _model(_dense())
    _history(config)[1] = index
    err = _raises(config, InvalidArchiveError)
    assert err.code in ("KF210", "KF304")
    assert err.path is not None and err.path.startswith("/config/layers/1/inbound_nodes/0")


def test_huge_tensor_index() -> None:
    config = _model(_dense())
    _history(config)[2] = 2**70
    err = _raises(config, InvalidArchiveError)
    assert err.code in ("KF210", "KF304")


def test_constructor_errors_are_invalid_archive_not_type_error() -> None:
    """Keras wraps constructor errors in TypeError; here they name rule and place."""
    with pytest.raises(InvalidArchiveError) as info:
        rr.layers.Dense.from_config({"name": "d", "units": -2})
    assert info.value.code == "KF305" and not isinstance(info.value, TypeError)
    assert "'d'" in str(info.value) and "Dense" in str(info.value)


def test_unsupported_feature_passes_through_from_config() -> None:
    class Picky(rr.layers.Layer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            raise UnsupportedFeatureError("picky is not implemented")

    with pytest.raises(UnsupportedFeatureError, match="picky"):
        Picky.from_config({"name": "p"})


@pytest.mark.parametrize(
    ("dtype", "cls"),
    [
        ("object", InvalidArchiveError),
        ("V8", InvalidArchiveError),
        ("(float32, (2,))", InvalidArchiveError),
        ("S1800000000", UnsafeArchiveError),
        ("not-a-dtype", InvalidArchiveError),
    ],
)
def test_numpy_values_refused_before_allocating(dtype: str, cls: type[KFormatError]) -> None:
    value = {"class_name": "__numpy__", "config": {"value": [1], "dtype": dtype}}
    with pytest.raises(cls) as info:
        rr.saving.deserialize_keras_object({"a": value})
    assert info.value.member == "config.json"
    assert info.value.path is not None and info.value.path.startswith("/a/config")


def test_numpy_value_of_plain_dtype_still_decodes() -> None:
    value = {"class_name": "__numpy__", "config": {"value": [[1, 2]], "dtype": "int8"}}
    got = rr.saving.deserialize_keras_object(value)
    assert got.dtype == np.int8 and got.shape == (1, 2)


def test_build_config_holding_a_lambda_is_refused() -> None:
    layer = _dense()
    layer["build_config"] = {
        "input_shape": {
            "module": "keras.layers",
            "class_name": "Lambda",
            "registered_name": None,
            "config": {"function": {"class_name": "__lambda__", "config": {"code": "AAAA"}}},
        }
    }
    err = _raises(_model(layer), UnsafeArchiveError)
    assert err.path is not None and err.path.startswith("/config/layers/1/build_config")


def test_from_config_runs_the_checks_with_pointers_into_config() -> None:
    config = _model(_dense(units=0))["config"]
    with pytest.raises(InvalidArchiveError) as info:
        rr.Model.from_config(config)
    assert (info.value.code, info.value.path) == ("KF305", "/config/layers/1/config/units")


def test_sequential_from_config_duplicate_names_and_direct_constructor_errors() -> None:
    dense = {"module": "keras.layers", "class_name": "Dense", "registered_name": None}
    config = {
        "name": "s",
        "layers": [
            {**dense, "config": {"name": "d", "units": 2}},
            {**dense, "config": {"name": "d", "units": 2}},
        ],
    }
    with pytest.raises(InvalidArchiveError) as info:
        rr.Sequential.from_config(config)
    assert info.value.code == "KF302" and info.value.member == "config.json"
    config["layers"][1]["config"] = {"name": "e", "units": -1}
    with pytest.raises(InvalidArchiveError) as info:
        rr.Sequential.from_config(config)
    assert (info.value.code, info.value.path) == ("KF305", "/config/layers/1/config/units")


def test_from_config_refuses_configs_deeper_than_the_json_limit() -> None:
    config = _model(_dense())["config"]
    deep: Any = 1
    for _ in range(kformat.DEFAULT_LIMITS.max_json_depth + 5):
        deep = [deep]
    config["layers"][1]["config"]["extra"] = deep
    with pytest.raises(UnsafeArchiveError) as info:
        rr.Model.from_config(config)
    assert info.value.code == "KF203"


def test_model_from_json_refuses_text_that_is_not_strict_json() -> None:
    with pytest.raises(InvalidArchiveError):
        rr.models.model_from_json('{"class_name": "Sequential", "config": NaN')
    with pytest.raises(InvalidArchiveError):  # a lone surrogate is not UTF-8
        rr.models.model_from_json('{"class_name": "Sequential\ud800", "config": {}}')
    with pytest.raises(TypeError):  # the caller's argument type stays TypeError
        rr.models.model_from_json(42)  # type: ignore[arg-type]


def test_load_weights_mismatch_names_the_weights_member(tmp_path: Path) -> None:
    source = CORPUS / "keras_files" / "keras-3.15.1" / "guide_functional" / "model.keras"
    archive = kformat.read(source)
    other = rr.models.model_from_json(json.dumps(_model(_dense())))
    with pytest.raises(InvalidArchiveError) as info:
        rr.saving.load_weights(other, source)
    assert info.value.member == "model.weights.h5" and info.value.code in ("KF420", "KF422")
    assert archive.config is not None


def test_corpus_loads_raise_only_the_family() -> None:
    """Every invalid and hostile corpus file that builds a model: only KFormatError."""
    cases = sorted(
        [
            *(CORPUS / "invalid" / "config").glob("*/case.json"),
            *(CORPUS / "hostile").glob("layer_*/case.json"),
            *(CORPUS / "hostile").glob("graph_*/case.json"),
            *(CORPUS / "hostile").glob("sequential_*/case.json"),
        ]
    )
    assert len(cases) > 20
    for case in cases:
        source = case.parent / json.loads(case.read_text())["source"]
        try:
            rr.load_model(source)
        except KFormatError as exc:
            assert exc.code is not None, (source, exc)
        except Exception as exc:  # pragma: no cover - the assertion explains
            raise AssertionError(f"{source}: {type(exc).__name__}: {exc}") from exc


def test_mutated_config_does_not_touch_the_original() -> None:
    config = _model(_dense())
    before = copy.deepcopy(config)
    rr.models.model_from_json(json.dumps(config))
    assert config == before
