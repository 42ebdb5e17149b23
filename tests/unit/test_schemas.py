"""The JSON Schemas in spec/schemas: valid Draft 2020-12, accept real Keras files, reject faults.

spec/format.md sections 4-5 and 8.2 describe the documents; KF210 / KF211 / KF601 are the
rules that report schema violations.
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "spec" / "schemas"
CORPUS = ROOT / "conformance" / "keras_files"
BASE_ID = "https://kformat.dev/schemas/"

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.schema.json"))
REQUIRED = {
    "serialized-object.schema.json",
    "config.schema.json",
    "metadata.schema.json",
    "shard-index.schema.json",
}


def _load_schemas() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMA_FILES}


SCHEMAS = _load_schemas()
REGISTRY: Registry = Registry().with_resources(
    (s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()
)


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name], registry=REGISTRY)


def errors(name: str, doc: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(name).iter_errors(doc)
    ]


# --------------------------------------------------------------------------- the schemas


def test_required_schemas_exist() -> None:
    assert set(SCHEMAS) >= REQUIRED, sorted(REQUIRED - set(SCHEMAS))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = SCHEMAS[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_id_matches_file_name(name: str) -> None:
    assert SCHEMAS[name]["$id"] == BASE_ID + name


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_refs_resolve(name: str) -> None:
    """Every $ref (local or to a sibling schema) resolves in the registry."""
    resolver = REGISTRY.resolver(base_uri=SCHEMAS[name]["$id"])

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                resolver.lookup(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SCHEMAS[name])


# --------------------------------------------------------------------------- fixtures

DTYPE_POLICY = {
    "module": "keras",
    "class_name": "DTypePolicy",
    "config": {"name": "float32"},
    "registered_name": None,
}


def dense(name: str = "dense", units: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": copy.deepcopy(DTYPE_POLICY),
            "units": units,
            "activation": "relu",
            "use_bias": True,
            "kernel_initializer": {
                "module": "keras.initializers",
                "class_name": "GlorotUniform",
                "config": {"seed": None},
                "registered_name": None,
            },
            "bias_initializer": "zeros",
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
        **extra,
    }


def input_layer(name: str = "input_layer", **extra: Any) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {"batch_shape": [None, 4], "dtype": "float32", "sparse": False, "name": name},
        "registered_name": None,
        **extra,
    }


def ktensor(layer: str, node: int = 0, tensor: int = 0) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": [None, 4], "dtype": "float32", "keras_history": [layer, node, tensor]},
    }


def sequential() -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "trainable": True,
            "dtype": copy.deepcopy(DTYPE_POLICY),
            "layers": [input_layer(), dense()],
            "build_input_shape": [None, 4],
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
        "compile_config": {},
    }


def functional() -> dict[str, Any]:
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": "model",
            "trainable": True,
            "layers": [
                input_layer(name="x", inbound_nodes=[]) | {"name": "x"},
                dense(name="d", inbound_nodes=[{"args": [ktensor("x")], "kwargs": {}}])
                | {"name": "d"},
                {
                    "module": "keras.layers",
                    "class_name": "Add",
                    "config": {"name": "add", "trainable": True, "dtype": "float32"},
                    "registered_name": None,
                    "name": "add",
                    "inbound_nodes": [{"args": [[ktensor("x"), ktensor("d")]], "kwargs": {}}],
                },
            ],
            "input_layers": ["x", 0, 0],
            "output_layers": ["add", 0, 0],
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
        "compile_config": {},
    }


def functional_keras2() -> dict[str, Any]:
    """tf.keras 2.14 / tf_keras shape: list nodes, batch_input_shape, Policy dict."""
    return {
        "module": "keras.src.engine.functional",
        "class_name": "Functional",
        "config": {
            "name": "model",
            "trainable": True,
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {
                        "batch_input_shape": [None, 4],
                        "dtype": "float32",
                        "sparse": False,
                        "ragged": False,
                        "name": "input_1",
                    },
                    "registered_name": None,
                    "name": "input_1",
                    "inbound_nodes": [],
                },
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": {
                        "name": "dense",
                        "trainable": True,
                        "dtype": {
                            "module": "keras.mixed_precision",
                            "class_name": "Policy",
                            "config": {"name": "mixed_float16"},
                            "registered_name": None,
                        },
                        "units": 3,
                        "activation": "linear",
                    },
                    "registered_name": None,
                    "build_config": {"input_shape": [None, 4]},
                    "name": "dense",
                    "inbound_nodes": [[["input_1", 0, 0, {}]]],
                },
                {
                    "module": "keras.layers",
                    "class_name": "TFOpLambda",
                    "config": {
                        "name": "tf.math.add",
                        "trainable": True,
                        "dtype": "float32",
                        "function": "math.add",
                    },
                    "registered_name": None,
                    "name": "tf.math.add",
                    # TFOpLambda preserves its input structure: a bare entry per node,
                    # kwargs may hold tensor references (tf_keras engine/node.py).
                    "inbound_nodes": [
                        ["dense", 0, 0, {"y": ["input_1", 0, 0], "name": None}],
                        [["_CONSTANT_VALUE", -1, 1.0, {}]],
                    ],
                },
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["tf.math.add", 0, 0]],
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
    }


def keras300_sequential() -> dict[str, Any]:
    """Keras 3.0.0/3.0.1: implementation modules, registered_name = class name, string dtype."""
    return {
        "module": "keras.src.models.sequential",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "trainable": True,
            "dtype": "float32",
            "layers": [
                {
                    "module": "keras.src.layers.core.input_layer",
                    "class_name": "InputLayer",
                    "config": {
                        "batch_shape": [None, 4],
                        "dtype": "float32",
                        "sparse": False,
                        "name": "input_layer",
                    },
                    "registered_name": "InputLayer",
                },
                {
                    "module": "keras.src.layers.core.dense",
                    "class_name": "Dense",
                    "config": {
                        "name": "dense",
                        "trainable": True,
                        "dtype": "float32",
                        "units": 2,
                        "kernel_initializer": {
                            "module": "keras.src.initializers.random_initializers",
                            "class_name": "GlorotUniform",
                            "config": {"seed": None},
                            "registered_name": "GlorotUniform",
                        },
                    },
                    "registered_name": "Dense",
                    "build_config": {"input_shape": [None, 4]},
                },
            ],
            "build_input_shape": [None, 4],
        },
        "registered_name": "Sequential",
        "build_config": {"input_shape": [None, 4]},
        "compile_config": None,
    }


def custom_model() -> dict[str, Any]:
    return {
        "module": None,
        "class_name": "MyModel",
        "config": {"name": "my_model", "depth": 3, "head": dense()},
        "registered_name": "Custom>MyModel",
        "shared_object_id": 140452339319312,
    }


def special_encodings_holder() -> dict[str, Any]:
    """A custom layer config holding every special encoding (all well-formed)."""
    return {
        "module": None,
        "class_name": "Holder",
        "config": {
            "name": "holder",
            "np": {"class_name": "__numpy__", "config": {"value": [[1, 2]], "dtype": "int32"}},
            "t": {"class_name": "__tensor__", "config": {"value": [1.0], "dtype": "float32"}},
            "b": {"class_name": "__bytes__", "config": {"value": "abc"}},
            "s": {"class_name": "__slice__", "config": {"start": 1, "stop": None, "step": None}},
            "e": {"class_name": "__ellipsis__", "config": {}},
            "legacy": {"class_name": "__tuple__", "items": [1, 2]},
            "fn": {
                "module": "builtins",
                "class_name": "function",
                "config": "Custom>my_act",
                "registered_name": "function",
            },
            "plain": {"class_name": "looks like an object but has no config"},
        },
        "registered_name": "Custom>Holder",
    }


METADATA = {"keras_version": "3.15.1", "date_saved": "2026-11-28@11:58:46"}
SHARD_INDEX = {
    "metadata": {"total_size": 16896.0},
    "weight_map": {
        "/layers/dense/vars": ["m_00000.weights.h5"],
        "/layers/dense_1/vars": ["m_00000.weights.h5", "m_00001.weights.h5"],
        "/vars": ["m_00001.weights.h5"],
    },
}

VALID_CONFIGS = {
    "sequential-3.15": sequential,
    "functional-3.15": functional,
    "functional-tf_keras": functional_keras2,
    "sequential-3.0.0": keras300_sequential,
    "custom-model": custom_model,
    "special-encodings": special_encodings_holder,
}


@pytest.mark.parametrize("kind", sorted(VALID_CONFIGS))
def test_valid_config_passes(kind: str) -> None:
    assert errors("config.schema.json", VALID_CONFIGS[kind]()) == []


def test_nested_models_pass() -> None:
    outer = functional()
    inner_seq = sequential()
    inner_seq["name"] = "sequential"
    inner_seq["inbound_nodes"] = [{"args": [ktensor("add")], "kwargs": {"mask": None}}]
    inner_fn = functional()
    inner_fn["config"]["name"] = "inner"
    inner_fn["name"] = "inner"
    inner_fn["inbound_nodes"] = [{"args": [ktensor("sequential")], "kwargs": {"mask": None}}]
    outer["config"]["layers"] += [inner_seq, inner_fn]
    outer["config"]["output_layers"] = [["add", 0, 0], ["inner", 1, 0]]
    assert errors("config.schema.json", outer) == []


def test_lambda_and_typespec_are_well_formed() -> None:
    """Safety rules (KF501, KF508) refuse these, not the schema."""
    doc = special_encodings_holder()
    doc["config"]["f"] = {"class_name": "__lambda__", "config": {"value": ["YWJj", None, None]}}
    doc["config"]["g"] = {
        "class_name": "__lambda__",
        "config": {"code": "YWJj", "defaults": None, "closure": None},
    }
    doc["config"]["ts"] = {
        "class_name": "__typespec__",
        "spec_name": "TensorSpec",
        "module": "tensorflow.python.framework.tensor",
        "config": [[None, 4], "float32", None],
        "registered_name": None,
    }
    assert errors("config.schema.json", doc) == []


def test_valid_serialized_object_root() -> None:
    assert errors("serialized-object.schema.json", dense()) == []
    fn = {
        "module": "builtins",
        "class_name": "function",
        "config": "Custom>my_act",
        "registered_name": "function",
    }
    assert errors("serialized-object.schema.json", fn) == []


def test_valid_metadata_passes() -> None:
    assert errors("metadata.schema.json", METADATA) == []
    assert errors("metadata.schema.json", {**METADATA, "keras_version": "2.14.0"}) == []
    assert errors("metadata.schema.json", {**METADATA, "writer": "kformat 0.1.0"}) == []


def test_valid_shard_index_passes() -> None:
    assert errors("shard-index.schema.json", SHARD_INDEX) == []
    assert (
        errors("shard-index.schema.json", {"metadata": {"total_size": 0}, "weight_map": {}}) == []
    )


# --------------------------------------------------------------------------- one fault each


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set (or, with value=_DEL, delete) doc at a '/'-separated path."""
    parts = path.split("/")
    node: Any = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    key: Any = int(last) if isinstance(node, list) else last
    if value is _DEL:
        del node[key]
    else:
        node[key] = value
    return doc


_DEL = object()

BAD_CONFIGS: list[tuple[str, Any, str, Any]] = [
    # (id, factory, path, new value)
    ("top-level-not-object", None, "", ["Sequential"]),
    ("class_name-missing", sequential, "class_name", _DEL),
    ("class_name-empty", sequential, "class_name", ""),
    ("class_name-not-string", sequential, "class_name", 7),
    ("config-missing", sequential, "config", _DEL),
    ("config-is-list", custom_model, "config", [1, 2]),
    ("module-number", sequential, "module", 3),
    ("module-empty", sequential, "module", ""),
    ("registered_name-number", sequential, "registered_name", 1),
    ("shared_object_id-string", custom_model, "shared_object_id", "14045"),
    ("shared_object_id-negative", custom_model, "shared_object_id", -1),
    ("build_config-string", sequential, "build_config", "[None, 4]"),
    (
        "function-config-not-string",
        custom_model,
        "config/head/config/activation",
        {
            "module": "builtins",
            "class_name": "function",
            "config": {"x": 1},
            "registered_name": "function",
        },
    ),
    ("sequential-layers-missing", sequential, "config/layers", _DEL),
    ("sequential-layers-not-array", sequential, "config/layers", {"0": {}}),
    ("sequential-layer-not-object", sequential, "config/layers/1", "dense"),
    ("sequential-layer-without-class_name", sequential, "config/layers/1/class_name", _DEL),
    ("layer-name-not-string", sequential, "config/layers/1/config/name", 5),
    ("layer-trainable-not-bool", sequential, "config/layers/1/config/trainable", "yes"),
    ("layer-dtype-number", sequential, "config/layers/1/config/dtype", 32),
    (
        "nested-object-bad-class_name",
        sequential,
        "config/layers/1/config/kernel_initializer/class_name",
        "",
    ),
    ("functional-input_layers-missing", functional, "config/input_layers", _DEL),
    ("functional-output_layers-missing", functional, "config/output_layers", _DEL),
    ("functional-layers-empty", functional, "config/layers", []),
    ("functional-entry-name-missing", functional, "config/layers/1/name", _DEL),
    ("functional-entry-name-empty", functional, "config/layers/1/name", ""),
    ("functional-inbound_nodes-missing", functional, "config/layers/1/inbound_nodes", _DEL),
    (
        "functional-inbound_nodes-not-array",
        functional,
        "config/layers/1/inbound_nodes",
        {"args": [], "kwargs": {}},
    ),
    ("node-kwargs-missing", functional, "config/layers/1/inbound_nodes/0/kwargs", _DEL),
    ("node-args-not-array", functional, "config/layers/1/inbound_nodes/0/args", {}),
    ("node-is-string", functional, "config/layers/1/inbound_nodes/0", "x"),
    (
        "keras_tensor-history-negative",
        functional,
        "config/layers/1/inbound_nodes/0/args/0/config/keras_history",
        ["x", -1, 0],
    ),
    (
        "keras_tensor-history-short",
        functional,
        "config/layers/1/inbound_nodes/0/args/0/config/keras_history",
        ["x", 0],
    ),
    (
        "keras_tensor-history-name-number",
        functional,
        "config/layers/1/inbound_nodes/0/args/0/config/keras_history",
        [1, 0, 0],
    ),
    (
        "keras_tensor-shape-missing",
        functional,
        "config/layers/1/inbound_nodes/0/args/0/config/shape",
        _DEL,
    ),
    (
        "keras_tensor-negative-dim",
        functional,
        "config/layers/1/inbound_nodes/0/args/0/config/shape",
        [None, -4],
    ),
    (
        "keras_tensor-dtype-missing",
        functional,
        "config/layers/1/inbound_nodes/0/args/0/config/dtype",
        _DEL,
    ),
    ("input_layers-negative-index", functional, "config/input_layers", ["x", -1, 0]),
    ("input_layers-float-index", functional, "config/input_layers", ["x", 0.5, 0]),
    ("input_layers-empty-list", functional, "config/input_layers", []),
    ("input_layers-bare-string", functional, "config/input_layers", "x"),
    (
        "output_layers-bad-nested-leaf",
        functional,
        "config/output_layers",
        [["add", 0, 0], ["d", "0", 0]],
    ),
    ("output_layers-dict-with-bad-leaf", functional, "config/output_layers", {"y": ["add", 0]}),
    (
        "keras2-node-entry-too-short",
        functional_keras2,
        "config/layers/1/inbound_nodes/0/0",
        ["input_1", 0],
    ),
    (
        "keras2-node-entry-too-long",
        functional_keras2,
        "config/layers/1/inbound_nodes/0/0",
        ["input_1", 0, 0, {}, 5],
    ),
    (
        "keras2-node-entry-negative",
        functional_keras2,
        "config/layers/1/inbound_nodes/0/0",
        ["input_1", -1, 0, {}],
    ),
    (
        "keras2-node-entry-kwargs-list",
        functional_keras2,
        "config/layers/1/inbound_nodes/0/0",
        ["input_1", 0, 0, []],
    ),
    (
        "keras2-bare-entry-bad-index",
        functional_keras2,
        "config/layers/2/inbound_nodes/0",
        ["dense", "0", 0, {}],
    ),
    (
        "keras2-node-string-leaf",
        functional_keras2,
        "config/layers/1/inbound_nodes/0",
        [["input_1", 0, 0, {}], "input_1"],
    ),
    ("numpy-dtype-missing", special_encodings_holder, "config/np/config/dtype", _DEL),
    ("tensor-value-missing", special_encodings_holder, "config/t/config/value", _DEL),
    ("bytes-value-number", special_encodings_holder, "config/b/config/value", 5),
    ("slice-step-missing", special_encodings_holder, "config/s/config/step", _DEL),
    ("ellipsis-config-null", special_encodings_holder, "config/e/config", None),
    ("legacy-tuple-items-not-array", special_encodings_holder, "config/legacy/items", 1),
    (
        "lambda-config-empty",
        special_encodings_holder,
        "config/fn",
        {"class_name": "__lambda__", "config": {}},
    ),
    (
        "typespec-config-not-list",
        special_encodings_holder,
        "config/fn",
        {"class_name": "__typespec__", "spec_name": "TensorSpec", "config": {}},
    ),
]


@pytest.mark.parametrize(
    ("factory", "path", "value"),
    [pytest.param(f, p, v, id=i) for i, f, p, v in BAD_CONFIGS],
)
def test_malformed_config_fails(factory: Any, path: str, value: Any) -> None:
    doc = value if factory is None else _set(factory(), path, value)
    assert errors("config.schema.json", doc), "schema accepted a malformed config"


BAD_METADATA: list[tuple[str, Any]] = [
    ("not-object", ["3.15.1"]),
    ("keras_version-missing", {"date_saved": METADATA["date_saved"]}),
    ("date_saved-missing", {"keras_version": "3.15.1"}),
    ("keras_version-number", {**METADATA, "keras_version": 3.15}),
    ("keras_version-empty", {**METADATA, "keras_version": ""}),
    ("date_saved-iso-T", {**METADATA, "date_saved": "2026-11-28T11:58:46"}),
    ("date_saved-month-13", {**METADATA, "date_saved": "2026-13-28@11:58:46"}),
    ("date_saved-hour-24", {**METADATA, "date_saved": "2026-11-28@24:00:00"}),
    ("date_saved-unicode-digits", {**METADATA, "date_saved": "٢٠٢٦-11-28@11:58:46"}),
    ("date_saved-trailing-newline", {**METADATA, "date_saved": "2026-11-28@11:58:46\n"}),
    ("extra-key-not-string", {**METADATA, "backend": {"name": "jax"}}),
]


@pytest.mark.parametrize("doc", [pytest.param(d, id=i) for i, d in BAD_METADATA])
def test_malformed_metadata_fails(doc: Any) -> None:
    assert errors("metadata.schema.json", doc)


def _index(**weight_map: Any) -> dict[str, Any]:
    return {"metadata": {"total_size": 1.0}, "weight_map": weight_map}


BAD_SHARD_INDEXES: list[tuple[str, Any]] = [
    ("not-object", [1]),
    ("metadata-missing", {"weight_map": {}}),
    ("weight_map-missing", {"metadata": {"total_size": 1.0}}),
    ("total_size-missing", {"metadata": {}, "weight_map": {}}),
    ("total_size-negative", {"metadata": {"total_size": -1}, "weight_map": {}}),
    ("total_size-string", {"metadata": {"total_size": "1 GiB"}, "weight_map": {}}),
    (
        "key-relative",
        {"metadata": {"total_size": 1}, "weight_map": {"layers/dense/vars": ["a.weights.h5"]}},
    ),
    (
        "key-not-vars",
        {"metadata": {"total_size": 1}, "weight_map": {"/layers/dense": ["a.weights.h5"]}},
    ),
    (
        "key-empty-component",
        {"metadata": {"total_size": 1}, "weight_map": {"/layers//vars": ["a.weights.h5"]}},
    ),
    ("shards-not-list", {"metadata": {"total_size": 1}, "weight_map": {"/vars": "a.weights.h5"}}),
    ("shards-empty", {"metadata": {"total_size": 1}, "weight_map": {"/vars": []}}),
    (
        "shards-duplicate",
        {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["a.weights.h5", "a.weights.h5"]}},
    ),
    (
        "shard-subdir",
        {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["sub/a.weights.h5"]}},
    ),
    ("shard-parent", {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["../a.weights.h5"]}}),
    (
        "shard-absolute",
        {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["/tmp/a.weights.h5"]}},
    ),
    (
        "shard-backslash",
        {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["..\\a.weights.h5"]}},
    ),
    ("shard-drive", {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["C:a.weights.h5"]}}),
    ("shard-nul", {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["a\u0000.weights.h5"]}}),
    ("shard-wrong-suffix", {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["a.h5"]}}),
    (
        "shard-trailing-newline",
        {"metadata": {"total_size": 1}, "weight_map": {"/vars": ["a.weights.h5\n"]}},
    ),
    (
        "key-trailing-newline",
        {"metadata": {"total_size": 1}, "weight_map": {"/vars\n": ["a.weights.h5"]}},
    ),
    (
        "shard-suffix-only",
        {"metadata": {"total_size": 1}, "weight_map": {"/vars": [".weights.h5"]}},
    ),
]


@pytest.mark.parametrize("doc", [pytest.param(d, id=i) for i, d in BAD_SHARD_INDEXES])
def test_malformed_shard_index_fails(doc: Any) -> None:
    assert errors("shard-index.schema.json", doc)


# --------------------------------------------------------------------------- the real corpus


def _corpus_documents() -> list[tuple[str, str, bytes]]:
    """(schema name, display id, raw bytes) for every JSON document in the corpus."""
    found: list[tuple[str, str, bytes]] = []
    if not CORPUS.is_dir():
        return found
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(ROOT).as_posix()
        if path.suffix == ".keras":
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                for member, schema in (
                    ("config.json", "config.schema.json"),
                    ("metadata.json", "metadata.schema.json"),
                ):
                    if member in names:
                        found.append((schema, f"{rel}::{member}", zf.read(member)))
        elif path.name == "config.json":
            found.append(("config.schema.json", rel, path.read_bytes()))
        elif path.name == "metadata.json":
            found.append(("metadata.schema.json", rel, path.read_bytes()))
        elif path.name.endswith(".weights.json"):
            found.append(("shard-index.schema.json", rel, path.read_bytes()))
    return found


CORPUS_DOCS = _corpus_documents()


@pytest.mark.skipif(not CORPUS_DOCS, reason=f"no real Keras files under {CORPUS} yet")
@pytest.mark.parametrize(
    ("schema", "raw"),
    [pytest.param(s, raw, id=i) for s, i, raw in CORPUS_DOCS] or [pytest.param("", b"", id="none")],
)
def test_real_keras_document_validates(schema: str, raw: bytes) -> None:
    doc = json.loads(raw.decode("utf-8"))
    assert errors(schema, doc) == []


@pytest.mark.skipif(not CORPUS_DOCS, reason=f"no real Keras files under {CORPUS} yet")
def test_corpus_covers_every_schema_kind() -> None:
    kinds = {s for s, _, _ in CORPUS_DOCS}
    assert {"config.schema.json", "metadata.schema.json"} <= kinds
