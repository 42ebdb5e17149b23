"""Version quirks: rewrite a Keras 3.15-form archive the way older writers laid it out.

Each transform follows spec/format.md §13 (and §5.4, §5.6, §6.7): implementation modules
and string dtypes (Keras 3.0.0-3.3), the MHA private sub-layer attributes (Keras 3.0.0-3.0.2,
tf.keras, tf_keras), the Keras 2 node lists with their nested-model offset, tf.keras
2.13/2.14's ``_layer_checkpoint_dependencies``, unmarked bfloat16 (Keras 3.0.0-3.0.4).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np

import kformat

#: Implementation modules Keras 3.0.0/3.0.1 write instead of public ones.
IMPL_MODULES = {
    "InputLayer": "keras.src.layers.core.input_layer",
    "Dense": "keras.src.layers.core.dense",
    "EinsumDense": "keras.src.layers.core.einsum_dense",
    "Embedding": "keras.src.layers.core.embedding",
    "Identity": "keras.src.layers.core.identity",
    "Dropout": "keras.src.layers.regularization.dropout",
    "Activation": "keras.src.layers.activations.activation",
    "BatchNormalization": "keras.src.layers.normalization.batch_normalization",
    "LayerNormalization": "keras.src.layers.normalization.layer_normalization",
    "MultiHeadAttention": "keras.src.layers.attention.multi_head_attention",
    "Add": "keras.src.layers.merging.add",
    "Concatenate": "keras.src.layers.merging.concatenate",
    "Flatten": "keras.src.layers.reshaping.flatten",
    "Sequential": "keras.src.models.sequential",
    "Functional": "keras.src.models.functional",
    "GlorotUniform": "keras.src.initializers.random_initializers",
    "Zeros": "keras.src.initializers.constant_initializers",
    "Ones": "keras.src.initializers.constant_initializers",
}

#: Layer config keys newer than Keras 3.0 (dropped when writing a 3.0-form file), by class.
NEWER_KEYS = {
    "*": {
        "optional",
        "ragged",
        "quantization_config",
        "flash_attention",
        "lora_rank",
        "lora_alpha",
    },
    "MultiHeadAttention": {"seed", "use_gate", "sliding_window"},
    "BatchNormalization": {"renorm", "renorm_clipping", "renorm_momentum"},
}
#: What tf_keras does not write (its own extra keys are not added).
TF_KERAS_DROPS = {
    "*": {"quantization_config", "flash_attention", "lora_rank", "lora_alpha"},
    "MultiHeadAttention": {"seed", "use_gate", "sliding_window"},
    "BatchNormalization": {"synchronized", "renorm", "renorm_clipping", "renorm_momentum"},
}

MHA_ATTRS = ("query_dense", "key_dense", "value_dense", "output_dense")

#: Positional call arguments after the first, by class (Keras 2 folds them into kwargs).
CALL_ARGS = {"MultiHeadAttention": ("value", "key")}


def _policy_names(value: Any) -> Any:
    if isinstance(value, list):
        return [_policy_names(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "DTypePolicy" and isinstance(value.get("config"), dict):
        return value["config"]["name"]
    return {k: _policy_names(v) for k, v in value.items()}


def _impl_modules(value: Any) -> Any:
    if isinstance(value, list):
        return [_impl_modules(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _impl_modules(v) for k, v in value.items()}
    cls = value.get("class_name")
    if "module" in value and isinstance(cls, str) and cls in IMPL_MODULES:
        out["module"] = IMPL_MODULES[cls]
        out["registered_name"] = cls
    return out


def _drop_keys(value: Any, keys: dict[str, set[str]]) -> Any:
    """Remove ``keys["*"]`` and ``keys[class_name]`` from every layer config."""
    if isinstance(value, list):
        return [_drop_keys(v, keys) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _drop_keys(v, keys) for k, v in value.items()}
    inner = out.get("config")
    cls = out.get("class_name")
    if isinstance(cls, str) and isinstance(inner, dict) and "name" in inner:
        drop = keys.get("*", set()) | keys.get(cls, set())
        out["config"] = {k: v for k, v in inner.items() if k not in drop}
    return out


def _models(config: Any) -> list[dict[str, Any]]:
    """Every Sequential/Functional config object in ``config`` (outermost first)."""
    found: list[dict[str, Any]] = []

    def visit(v: Any) -> None:
        if isinstance(v, dict):
            if (
                v.get("class_name") in ("Sequential", "Functional", "Model")
                and isinstance(v.get("config"), dict)
                and isinstance(v["config"].get("layers"), list)
            ):
                found.append(v)
            for item in v.values():
                visit(item)
        elif isinstance(v, list):
            for item in v:
                visit(item)

    visit(config)
    return found


def _wrap_refs(config: Any) -> None:
    for m in _models(config):
        for key in ("input_layers", "output_layers"):
            refs = m["config"].get(key)
            if isinstance(refs, list) and refs and isinstance(refs[0], str):
                m["config"][key] = [refs]


def _rename_weights(arc: kformat.KerasArchive, rename: Any) -> dict[str, Any]:
    return {
        "weights": {rename(p): a for p, a in arc.weights.items()},
        "groups": {rename(p): dict(g) for p, g in arc.groups.items()},
    }


def _private_mha(path: str) -> str:
    """``query_dense`` -> ``_query_dense`` (and the other MHA projections) in a path."""
    return "/".join("_" + p if p in MHA_ATTRS else p for p in path.split("/"))


def keras30(arc: kformat.KerasArchive) -> kformat.KerasArchive:
    """As Keras 3.0.1 writes: implementation modules, string dtypes, no newer keys, wrapped
    input/output references, ``_query_dense`` MHA paths, no ``name`` attributes."""
    config = _drop_keys(_impl_modules(_policy_names(copy.deepcopy(arc.config))), NEWER_KEYS)
    _wrap_refs(config)
    renamed = _rename_weights(arc, _private_mha)
    groups: dict[str, dict[str, Any]] = {p: {} for p in renamed["groups"]}
    return dataclasses.replace(
        arc,
        config=config,
        weights=renamed["weights"],
        groups=groups,
        metadata={**(arc.metadata or {}), "keras_version": "3.0.1"},
    )


def _is_tensor(v: Any) -> bool:
    return isinstance(v, dict) and v.get("class_name") == "__keras_tensor__"


def _offsets(model: dict[str, Any]) -> dict[str, int]:
    """Keras 2 counts a nested model's own node when it was built on an InputLayer (§5.6)."""
    out = {}
    for entry in model["config"]["layers"]:
        cls, inner = entry.get("class_name"), entry.get("config", {})
        if cls in ("Functional", "Model"):
            out[entry["name"]] = 1
        elif cls == "Sequential":
            layers = inner.get("layers", [])
            out[entry["name"]] = int(bool(layers) and layers[0].get("class_name") == "InputLayer")
    return out


def _keras2_node(node: dict[str, Any], cls: str, offsets: dict[str, int]) -> list[Any]:
    def ref(t: dict[str, Any]) -> list[Any]:
        name, n, i = t["config"]["keras_history"]
        return [name, n + offsets.get(name, 0), i]

    def value(v: Any) -> Any:
        if _is_tensor(v):
            return ref(v)
        if isinstance(v, list):
            return [value(x) for x in v]
        if isinstance(v, dict):
            return {k: value(x) for k, x in v.items()}
        return v

    args = list(node.get("args", []))
    kwargs = {k: value(v) for k, v in node.get("kwargs", {}).items()}
    for name, extra in zip(CALL_ARGS.get(cls, ()), args[1:], strict=False):
        kwargs[name] = value(extra)
    first = args[0] if args else []
    tensors = first if isinstance(first, list) else [first]
    return [[*ref(t), kwargs] for t in tensors]


def keras2_nodes(arc: kformat.KerasArchive, *, list_refs: bool = True) -> kformat.KerasArchive:
    """Functional nodes in the Keras 2 list form (tf.keras / tf_keras), with the nested-model
    node offset, and ``input_layers`` / ``output_layers`` always lists of references."""
    config = copy.deepcopy(arc.config)
    for m in _models(config):
        if m["class_name"] == "Sequential":
            continue
        offsets = _offsets(m)
        for entry in m["config"]["layers"]:
            entry["inbound_nodes"] = [
                _keras2_node(node, entry["class_name"], offsets) for node in entry["inbound_nodes"]
            ]
        out = m["config"]["output_layers"]
        refs = [out] if isinstance(out, list) and out and isinstance(out[0], str) else out
        if isinstance(refs, list):
            m["config"]["output_layers"] = [
                [r[0], r[1] + (offsets.get(r[0], 0) if m_cls(m, r[0]) == "Sequential" else 0), r[2]]
                for r in refs
            ]
        if list_refs:
            _wrap_refs(m)
    return dataclasses.replace(arc, config=config)


def m_cls(model: dict[str, Any], name: str) -> str | None:
    for entry in model["config"]["layers"]:
        if entry.get("name") == name:
            return str(entry.get("class_name"))
    return None


def _batch_input_shape(value: Any) -> Any:
    if isinstance(value, list):
        return [_batch_input_shape(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _batch_input_shape(v) for k, v in value.items()}
    if value.get("class_name") == "InputLayer" and isinstance(out.get("config"), dict):
        inner = dict(out["config"])
        inner["batch_input_shape"] = inner.pop("batch_shape")
        out["config"] = inner
    return out


def tf_keras(
    arc: kformat.KerasArchive, *, version: str = "2.15.0", checkpoint: bool = False
) -> kformat.KerasArchive:
    """As tf_keras 2.15+ writes (``checkpoint``: as tf.keras 2.13/2.14, with weights under
    ``_layer_checkpoint_dependencies``): Keras 2 nodes, string dtypes, ``batch_input_shape``,
    ``_query_dense`` MHA paths, no ``name`` attributes; a Functional top level gets the
    ``tf_keras.src.engine.functional`` module (KF314)."""
    arc = keras2_nodes(arc)
    config = _batch_input_shape(
        _drop_keys(_policy_names(copy.deepcopy(arc.config)), TF_KERAS_DROPS)
    )
    if config.get("class_name") == "Functional":
        config["module"] = (
            "keras.src.engine.functional" if checkpoint else "tf_keras.src.engine.functional"
        )

    def rename(path: str) -> str:
        path = _private_mha(path)
        if checkpoint:
            path = path.replace("/layers/", "/_layer_checkpoint_dependencies/")
            if path == "/layers" or path.endswith("/layers"):
                # a nested model's own layers group: tf.keras 2.13/2.14 name it the same way
                path = path[: -len("layers")] + "_layer_checkpoint_dependencies"
        return path

    renamed = _rename_weights(arc, rename)
    return dataclasses.replace(
        arc,
        config=config,
        weights=renamed["weights"],
        groups={p: {} for p in renamed["groups"]},
        metadata={**(arc.metadata or {}), "keras_version": version},
    )


def unmarked_bfloat16(arc: kformat.KerasArchive) -> kformat.KerasArchive:
    """As Keras 3.0.0-3.0.4 write bfloat16 variables: bare 2-byte opaque data, string dtypes."""
    weights = {
        p: (np.asarray(a).view("V2") if np.asarray(a).dtype.name == "bfloat16" else a)
        for p, a in arc.weights.items()
    }
    config = _drop_keys(_impl_modules(_policy_names(copy.deepcopy(arc.config))), NEWER_KEYS)
    _wrap_refs(config)
    return dataclasses.replace(
        arc,
        config=config,
        weights=weights,
        groups={p: {} for p in arc.groups},
        metadata={**(arc.metadata or {}), "keras_version": "3.0.1"},
    )


def without_input_layer(arc: kformat.KerasArchive) -> kformat.KerasArchive:
    """A Sequential saved without an InputLayer: built from ``build_input_shape`` (§5.2)."""
    config = copy.deepcopy(arc.config)
    assert config is not None and config["class_name"] == "Sequential"
    layers = config["config"]["layers"]
    if layers and layers[0]["class_name"] == "InputLayer":
        del layers[0]
    return dataclasses.replace(arc, config=config)
