"""Invalid cases, part 1: one broken rule each, for the rules the hostile corpus does not hold.

conformance/hostile/ (the validator's recipe, make_hostile.py) covers the error rules a
hostile file breaks; the cases here cover the warnings and the remaining rules. Each case
breaks exactly one rule and names the issues a conforming validator reports (code, member,
JSON pointer or HDF5 path). Warning cases are valid files (``expect.valid`` true).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import zipfile
from typing import Any

import ml_dtypes
import numpy as np
from conf_kit import (
    META,
    CaseDef,
    archive,
    h5_bytes,
    h5_tree,
    issue,
    keras_bytes,
    layout_files,
    source_name,
    zip_bytes,
    zip_members,
)
from conf_runtime import base_archive

import kformat

W = "model.weights.h5"
C = "config.json"


def invalid(
    area: str,
    name: str,
    description: str,
    rule: str,
    files: dict[str, Any],
    issues: list[dict[str, Any]],
    *,
    layout: str = "keras",
    **doc: Any,
) -> CaseDef:
    severities = {i["severity"] for i in issues}
    doc["rule"] = rule
    doc["expect"] = {"valid": "error" not in severities, "issues": issues}
    return CaseDef("invalid", area, name, description, files, source_name(layout), layout, doc)


def seq() -> kformat.KerasArchive:
    """Sequential: Input(6) -> Dense(5, relu) 'dense' -> Dense(3) 'dense_1'."""
    return base_archive("dense_sequential", "invalid")


def members(arc: kformat.KerasArchive) -> dict[str, bytes]:
    return dict(zip_members(keras_bytes(arc)))


def rezip(m: dict[str, bytes], **kw: Any) -> dict[str, bytes]:
    order = [n for n in ("metadata.json", "config.json", W) if n in m]
    order += sorted(n for n in m if n not in order)
    return {"model.keras": zip_bytes([(n, m[n]) for n in order], **kw)}


def with_config(arc: kformat.KerasArchive, edit: Any) -> kformat.KerasArchive:
    config = copy.deepcopy(arc.config)
    edit(config)
    return dataclasses.replace(arc, config=config)


def with_weights(
    arc: kformat.KerasArchive,
    add: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    groups: dict[str, Any] | None = None,
) -> kformat.KerasArchive:
    weights = {p: a for p, a in arc.weights.items() if p not in drop}
    weights.update(add or {})
    return dataclasses.replace(arc, weights=weights, groups={**arc.groups, **(groups or {})})


def keras_file(arc: kformat.KerasArchive) -> dict[str, bytes]:
    return {"model.keras": keras_bytes(arc)}


def kformat_weights(weights: dict[str, Any]) -> dict[str, bytes]:
    """A .weights.h5 written by kformat (extended dtypes marked, raw void data unmarked)."""
    return layout_files(archive(None, weights, metadata=None, layout="weights_h5"), "weights_h5")


# --------------------------------------------------------------------------- container, JSON


def container_and_json() -> list[CaseDef]:
    m = members(seq())
    nometa = {k: v for k, v in m.items() if k != "metadata.json"}
    cfg = json.loads(m[C])
    cfg["config"]["layers"][1]["config"]["kernel_initializer"] = {
        "module": "keras.initializers",
        "class_name": "Constant",
        "config": {"value": float("nan")},
        "registered_name": None,
    }
    nan_cfg = json.dumps(cfg).encode()
    return [
        invalid(
            "container",
            "metadata_missing",
            "no metadata.json: every Keras writer emits it, no Keras reader needs it",
            "KF112",
            rezip(nometa),
            [issue("KF112", "metadata.json", None, "warning")],
        ),
        invalid(
            "container",
            "config_deflated",
            "config.json compressed with DEFLATE (Keras writes STORED only)",
            "KF113",
            rezip(m, methods={C: zipfile.ZIP_DEFLATED}),
            [issue("KF113", C, None, "warning")],
        ),
        invalid(
            "json",
            "config_nan",
            "NaN in config.json (Python's json.dumps writes it; strict JSON parsers refuse it)",
            "KF206",
            rezip({**m, C: nan_cfg}),
            [
                issue(
                    "KF206", C, "/config/layers/1/config/kernel_initializer/config/value", "warning"
                )
            ],
        ),
        invalid(
            "json",
            "keras_version_not_a_version",
            "metadata.json keras_version 'nightly' does not start with MAJOR.MINOR",
            "KF212",
            rezip(
                {
                    **m,
                    "metadata.json": json.dumps(
                        {"keras_version": "nightly", "date_saved": META["date_saved"]}
                    ).encode(),
                }
            ),
            [issue("KF212", "metadata.json", "/keras_version", "warning")],
        ),
    ]


# --------------------------------------------------------------------------- config warnings


def config_warnings() -> list[CaseDef]:
    base = seq()

    def custom_activation(c: dict[str, Any]) -> None:
        c["config"]["layers"][1]["config"]["activation"] = {
            "module": "builtins",
            "class_name": "function",
            "config": "Custom>my_act",
            "registered_name": "function",
        }

    def custom_layer(c: dict[str, Any]) -> None:
        c["config"]["layers"].insert(
            2,
            {
                "module": "my_pkg.layers",
                "class_name": "Scale",
                "config": {"name": "scale", "trainable": True, "dtype": "float32", "factor": 2.0},
                "registered_name": "MyPkg>Scale",
                "build_config": {"input_shape": [None, 5]},
            },
        )

    def lstm(c: dict[str, Any]) -> None:
        c["config"]["layers"].insert(
            2,
            {
                "module": "keras.layers",
                "class_name": "Reshape",
                "config": {
                    "name": "reshape",
                    "trainable": True,
                    "dtype": "float32",
                    "target_shape": [5, 1],
                },
                "registered_name": None,
                "build_config": {"input_shape": [None, 5]},
            },
        )
        c["config"]["layers"].insert(
            3,
            {
                "module": "keras.layers",
                "class_name": "LSTM",
                "config": {
                    "name": "lstm",
                    "trainable": True,
                    "dtype": "float32",
                    "units": 2,
                    "activation": "tanh",
                    "recurrent_activation": "sigmoid",
                    "use_bias": True,
                    "return_sequences": False,
                },
                "registered_name": None,
                "build_config": {"input_shape": [None, 5, 1]},
            },
        )

    def batch_input_shape(c: dict[str, Any]) -> None:
        c["config"]["layers"][1]["config"]["batch_input_shape"] = [None, 6]

    scale_group = {"/layers/scale/vars": {"name": "scale"}}
    # Keras 3 saves an LSTM's variables in its cell's group (layers/lstm/cell/vars).
    lstm_w = {
        "/layers/lstm/cell/vars/0": np.full((1, 8), 0.5, "float32"),
        "/layers/lstm/cell/vars/1": np.full((2, 8), 0.25, "float32"),
        "/layers/lstm/cell/vars/2": np.zeros(8, "float32"),
    }
    lstm_g = {
        "/layers/reshape/vars": {"name": "reshape"},
        "/layers/lstm/vars": {"name": "lstm"},
        "/layers/lstm/cell/vars": {"name": "lstm_cell"},
    }
    url = with_config(
        base, lambda c: c["compile_config"].update({"loss": "https://example.com/losses/huber.py"})
    )
    return [
        invalid(
            "config",
            "custom_activation_function",
            "Dense activation names a registered custom function 'Custom>my_act'",
            "KF306",
            keras_file(with_config(base, custom_activation)),
            [issue("KF306", C, "/config/layers/1/config/activation", "warning")],
        ),
        invalid(
            "config",
            "custom_layer_class",
            "a registered custom layer 'MyPkg>Scale' from module my_pkg.layers (weightless)",
            "KF306",
            keras_file(with_weights(with_config(base, custom_layer), groups=scale_group)),
            [issue("KF306", C, "/config/layers/2", "warning")],
        ),
        invalid(
            "config",
            "builtin_not_modelled",
            "an LSTM layer: a Keras built-in kformat does "
            "not model (its variables are not checked)",
            "KF310",
            keras_file(with_weights(with_config(base, lstm), lstm_w, groups=lstm_g)),
            [issue("KF310", C, "/config/layers/3", "warning")],
        ),
        invalid(
            "config",
            "batch_input_shape_on_dense",
            "tf_keras' batch_input_shape on the "
            "first non-Input layer of a Sequential (Keras 3 cannot load it)",
            "KF314",
            keras_file(with_config(base, batch_input_shape)),
            [issue("KF314", C, "/config/layers/1/config/batch_input_shape", "warning")],
        ),
        invalid(
            "config",
            "string_looks_like_url",
            "a config string that looks like a URL (compile_config loss)",
            "KF509",
            keras_file(url),
            [issue("KF509", C, "/compile_config/loss", "warning")],
        ),
    ]


# --------------------------------------------------------------------------- weights warnings


def weights_warnings() -> list[CaseDef]:
    base = seq()
    k = np.asarray(base.weights["/layers/dense/vars/0"])
    rng = np.random.default_rng(4)
    f8 = rng.standard_normal((2, 2)).astype(ml_dtypes.float8_e4m3fn)
    raw = rng.standard_normal((2, 2)).astype(ml_dtypes.bfloat16).view("V2")
    nan_bias = np.asarray(base.weights["/layers/dense/vars/1"]).copy()
    nan_bias[1] = np.nan

    def chunked(f: Any) -> None:
        h5_tree(
            {p: a for p, a in base.weights.items() if p != "/layers/dense/vars/0"}, base.groups
        )(f)
        f.create_dataset("/layers/dense/vars/0", data=k, chunks=(3, 5))

    def attr(f: Any) -> None:
        h5_tree(base.weights, base.groups)(f)
        f["/layers/dense/vars"].attrs["note"] = "written by hand"

    m = members(base)
    opt = {
        "/optimizer/vars/0": np.array(3, "int32"),
        "/optimizer/vars/1": np.array(0.01, "float32"),
    }
    return [
        invalid(
            "weights",
            "chunked_dataset",
            "a chunked kernel dataset (Keras writes contiguous datasets only)",
            "KF416",
            rezip({**m, W: h5_bytes(chunked)}),
            [issue("KF416", W, "/layers/dense/vars/0", "warning")],
        ),
        invalid(
            "weights",
            "float8_marked",
            "a dataset marked float8_e4m3fn (kformat reads it; Keras converts only bfloat16)",
            "KF417",
            kformat_weights({"/layers/d/vars/0": f8}),
            [issue("KF417", "model.weights.h5", "/layers/d/vars/0", "warning")],
            layout="weights_h5",
        ),
        invalid(
            "weights",
            "opaque_unmarked",
            "2-byte opaque data without a dtype attribute and no config saying it is bfloat16",
            "KF418",
            kformat_weights({"/layers/d/vars/0": raw}),
            [issue("KF418", "model.weights.h5", "/layers/d/vars/0", "warning")],
            layout="weights_h5",
        ),
        invalid(
            "weights",
            "unread_group",
            "a group /layers/ghost that no object of the config maps to",
            "KF423",
            keras_file(with_weights(base, {"/layers/ghost/vars/0": np.ones(3, "float32")})),
            [issue("KF423", W, "/layers/ghost", "warning")],
        ),
        invalid(
            "weights",
            "nan_weight",
            "a NaN in a bias (reported with --deep, which reads the weights)",
            "KF424",
            keras_file(with_weights(base, {"/layers/dense/vars/1": nan_bias})),
            [issue("KF424", W, "/layers/dense/vars/1", "warning")],
            deep=True,
        ),
        invalid(
            "weights",
            "vars_name_mismatch",
            "the vars group of layer 'dense' names 'dense_1'",
            "KF425",
            keras_file(with_weights(base, groups={"/layers/dense/vars": {"name": "dense_1"}})),
            [issue("KF425", W, "/layers/dense/vars", "warning")],
        ),
        invalid(
            "weights",
            "optimizer_without_compile",
            "optimizer state in a model whose compile_config names no optimizer",
            "KF426",
            keras_file(with_weights(base, opt, groups={"/optimizer/vars": {"name": "adam"}})),
            [issue("KF426", W, "/optimizer/vars", "warning")],
        ),
        invalid(
            "weights",
            "dtype_differs_from_policy",
            "a float64 kernel in a float32 layer",
            "KF427",
            keras_file(with_weights(base, {"/layers/dense/vars/0": k.astype("float64")})),
            [issue("KF427", W, "/layers/dense/vars/0", "warning")],
        ),
        invalid(
            "weights",
            "unexpected_attribute",
            "an attribute 'note' on a vars group",
            "KF428",
            rezip({**m, W: h5_bytes(attr)}),
            [issue("KF428", W, "/layers/dense/vars", "warning")],
        ),
    ]


def cases() -> list[CaseDef]:
    from conf_invalid2 import cases as more

    return container_and_json() + config_warnings() + weights_warnings() + more()


__all__ = ["archive", "cases"]
