"""Clear refusals: unknown classes, Lambda bytecode, nothing imported (spec §9)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
import reference_runtime as rr
from kformat.errors import KFormatError, UnsafeArchiveError, UnsupportedFeatureError


def _functional(extra: dict[str, Any]) -> dict[str, Any]:
    extra = {
        **extra,
        "name": "odd",
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
                extra,
            ],
            "input_layers": ["x", 0, 0],
            "output_layers": ["odd", 0, 0],
        },
    }


def _write(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "odd.keras"
    kformat.write(kformat.KerasArchive(config), path)
    return path


def test_unknown_class_names_itself_the_file_and_the_fix(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _functional(
            {
                "module": "my_pkg.layers",
                "class_name": "Fancy",
                "registered_name": "MyPkg>Fancy",
                "config": {"name": "odd"},
            }
        ),
    )
    with pytest.raises(UnsupportedFeatureError) as info:
        rr.load_model(path)
    msg = str(info.value)
    assert "'Fancy'" in msg and "odd.keras" in msg and "register_keras_serializable" in msg
    assert "MyPkg" in msg and isinstance(info.value, NotImplementedError)
    assert "my_pkg" not in sys.modules  # nothing named in the file is imported


def test_module_in_file_is_never_imported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _functional(
            {
                "module": "os",
                "class_name": "system",
                "registered_name": None,
                "config": {"name": "odd"},
            }
        ),
    )
    # The validator's safety rule refuses it before anything is resolved.
    with pytest.raises(UnsafeArchiveError) as info:
        rr.load_model(path)
    assert (info.value.code, info.value.member, info.value.path) == (
        "KF502",
        "config.json",
        "/config/layers/1",
    )


@pytest.mark.parametrize("safe_mode", [True, False])
def test_lambda_bytecode_refused(tmp_path: Path, safe_mode: bool) -> None:
    lam = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "registered_name": None,
        "config": {
            "name": "odd",
            "function": {
                "class_name": "__lambda__",
                "config": {"code": "AAAA", "defaults": None, "closure": None},
            },
        },
    }
    path = _write(tmp_path, _functional(lam))
    expected = UnsafeArchiveError if safe_mode else UnsupportedFeatureError
    with pytest.raises(expected, match="bytecode"):
        rr.load_model(path, safe_mode=safe_mode)


def test_lambda_with_registered_numpy_function_runs(tmp_path: Path) -> None:
    @rr.saving.register_keras_serializable(package="Tests", name="double")
    def double(x: Any) -> Any:
        return 2 * x

    lam = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "registered_name": None,
        "config": {
            "name": "odd",
            "function": {
                "module": "builtins",
                "class_name": "function",
                "config": "Tests>double",
                "registered_name": "function",
            },
        },
    }
    model = rr.load_model(_write(tmp_path, _functional(lam)))
    np.testing.assert_array_equal(model(np.ones((1, 2), "float32")), [[2.0, 2.0]])


def test_custom_objects_cannot_shadow_builtins(tmp_path: Path) -> None:
    class Fake(rr.layers.Layer):
        def call(self, x: Any) -> Any:
            raise AssertionError("must not be used")

    dense = {
        "module": "keras.layers",
        "class_name": "Dense",
        "registered_name": None,
        "config": {"name": "odd", "units": 2},
    }
    weights = {
        "/layers/dense/vars/0": np.ones((2, 2), "float32"),
        "/layers/dense/vars/1": np.ones(2, "float32"),
    }
    kformat.write(kformat.KerasArchive(_functional(dense), None, weights), tmp_path / "s.keras")
    model = rr.load_model(tmp_path / "s.keras", custom_objects={"Dense": Fake})
    assert type(model.layers[1]) is rr.layers.Dense


def test_errors_are_kformat_errors(tmp_path: Path) -> None:
    bad = _functional(
        {
            "module": "keras.layers",
            "class_name": "Dense",
            "registered_name": None,
            "config": {"name": "odd", "units": 2},
        }
    )
    bad["config"]["output_layers"] = ["missing", 0, 0]
    with pytest.raises(KFormatError):
        rr.load_model(_write(tmp_path, bad))


def test_wrong_weight_shape_reports_keras_style(tmp_path: Path) -> None:
    dense = {
        "module": "keras.layers",
        "class_name": "Dense",
        "registered_name": None,
        "config": {"name": "odd", "units": 2},
        "build_config": {"input_shape": [None, 2]},
    }
    archive = kformat.KerasArchive(
        _functional(dense),
        None,
        {
            "/layers/dense/vars/0": np.zeros((3, 2), "float32"),
            "/layers/dense/vars/1": np.zeros(2, "float32"),
        },
    )
    kformat.write(archive, tmp_path / "w.keras")
    with pytest.raises(kformat.InvalidArchiveError, match=r"could not be loaded.*shape"):
        rr.load_model(tmp_path / "w.keras")


def test_summary_escapes_names_from_the_file(tmp_path: Path) -> None:
    """A layer or model name from a file never reaches the terminal raw (spec §11.3)."""
    import reference_runtime as keras

    hostile = "d\x1b[2J\r\n::error file=x::pwned\u202e"
    x = keras.Input(shape=(3,), name="x")
    y = keras.layers.Dense(2, name=hostile)(x)
    model = keras.Model(x, y, name="m\x07")
    path = tmp_path / "m.keras"
    model.save(path)
    lines: list[str] = []
    keras.load_model(path).summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert not any(
        ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in text.replace("\n", "")
    )
    assert "\\x1b[2J" in text and "\\x07" in text
