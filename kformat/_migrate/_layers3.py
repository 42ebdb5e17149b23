"""Keras 2 layer configs rewritten for Keras 3 (spec §5.8, §5.9 *tf_keras* keys, KF314).

One layer entry at a time: its ``module`` and ``registered_name`` become the
Keras 3 names, its ``dtype`` a ``DTypePolicy``, and the keys only tf.keras /
tf_keras write are converted (``batch_input_shape`` -> ``batch_shape``,
``LeakyReLU.alpha`` -> ``negative_slope``, a one-item BatchNormalization
``axis`` list -> the integer) or dropped where Keras 3 has no meaning for
them and the Keras 2 value is the inert one. Anything whose meaning would
change is refused, naming the layer (``_report.refuse``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat import layers as catalogue
from kformat._migrate._report import Notes, refuse

__all__ = ["FAMILY_MODULES", "custom_module", "dtype_policy", "rewrite_layer"]

#: The modules a Keras 2 file may name for its own classes.
FAMILY_MODULES = ("keras", "tf_keras")

_BASE_KEYS = ("trainable", "dtype", "activity_regularizer")
_POLICY_CLASSES = frozenset({"Policy", "DTypePolicy"})
# Keys only Keras 2 layers write on any layer (the first layer of a Sequential).
_BASE_KERAS2 = ("batch_input_shape", "batch_size")
# tf_keras-only keys whose Keras 2 value of no effect is listed: dropped when the
# file holds it, refused otherwise (Keras 3 has no such argument).
_INERT: Mapping[str, tuple[Any, ...]] = {
    "causal": (False, None),
    "noise_shape": (None,),
    "softmax_robust_masking": (False, True, None),  # masking detail of masked softmax
    "input_length": (),  # any value: Keras 3 ignores it (spec §5.9 Embedding)
    "rng_type": (),  # random layers are the identity at inference
    "value_range": (),
    "groups": (1, None),
    "kernel_initializer": (),  # SeparableConv: unused by Keras 2 too
    "kernel_regularizer": (),
    "kernel_constraint": (),
    "query_shape": (),  # MultiHeadAttention: moved to build_config first
    "key_shape": (),
    "value_shape": (),
}
# BatchNormalization keys of tf.keras that Keras 3 does not take; inert values.
_BN_KERAS2: Mapping[str, tuple[Any, ...]] = {
    "fused": (),
    "virtual_batch_size": (None,),
    "adjustment": (None,),
}


def custom_module(module: Any) -> bool:
    """A ``module`` outside the Keras packages: a user's class."""
    if not isinstance(module, str):
        return False
    return module.split(".")[0] not in FAMILY_MODULES


def dtype_policy(value: Any) -> Any:
    """A Keras 3 ``DTypePolicy`` dict for a Keras 2 dtype string or ``Policy`` dict."""
    name = value
    if isinstance(value, Mapping) and value.get("class_name") in _POLICY_CLASSES:
        inner = value.get("config")
        name = inner.get("name") if isinstance(inner, Mapping) else None
    if not isinstance(name, str):
        return value
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": name},
        "registered_name": None,
    }


def rewrite_layer(entry: dict[str, Any], parts: tuple[str | int, ...], notes: Notes) -> None:
    """Rewrite one (non-model) layer entry in place for Keras 3.

    Raises:
        UnsupportedFeatureError: a custom class, a Lambda, a class Keras 3
            dropped, or a Keras 2 key whose value Keras 3 cannot express.
    """
    class_name = entry.get("class_name")
    inner = entry.get("config")
    name = str(inner.get("name") if isinstance(inner, Mapping) else entry.get("name"))
    if not isinstance(inner, dict) or not isinstance(class_name, str):
        raise refuse(parts, name, "the entry has no config", "re-save the model")
    if class_name == "Lambda":
        raise refuse(
            parts,
            name,
            "a Lambda layer holds Python bytecode, which is never carried over",
            "replace the Lambda with a built-in layer or a registered custom layer, "
            "re-save with Keras 2, and migrate again",
            code="KF501",
        )
    definition = catalogue.get(class_name)
    if custom_module(entry.get("module")) or (definition is None and "module" not in entry):
        raise refuse(
            parts,
            name,
            f"{class_name} is a custom class and its code is not in the file",
            "load the model in Keras 2 with its code, port the class to Keras 3, and save "
            "from Keras 3",
            code="KF306",
        )
    if definition is None:
        raise refuse(
            parts,
            name,
            f"{class_name} is not a Keras 3 layer kformat knows (Keras 3 dropped it, or "
            "kformat has no definition of it yet)",
            "replace it with a Keras 3 layer in Keras 2 and save again",
            code="KF310",
        )
    entry["module"] = definition.module
    entry["class_name"] = definition.class_name
    entry["registered_name"] = None
    if class_name != "InputLayer":
        for key in _BASE_KERAS2:
            inner.pop(key, None)
    # Base keys the Keras 3 constructor does not take (Discretization has no
    # ``trainable``, SpatialDropout neither): tf_keras writes them anyway.
    for key in _BASE_KEYS:
        refused = key in definition.refused_base_keys or key not in definition.config_base
        if refused and key in inner:
            inner.pop(key)
            notes.dropped_key(definition.class_name, key)
    if "dtype" in inner and class_name != "InputLayer":
        inner["dtype"] = dtype_policy(inner["dtype"])
    wrapped = inner.get("layer")
    if isinstance(wrapped, dict) and "class_name" in wrapped:  # wrappers keep their layer here
        rewrite_layer(wrapped, (*parts, "config", "layer"), notes)
    fix = _SPECIFIC.get(definition.class_name)
    if fix is not None:
        fix(inner, entry, parts, name, notes)
    for key, field in definition.fields.items():
        if not field.tf_keras or key not in inner:
            continue
        allowed = _INERT.get(key)
        value = inner.pop(key)
        if allowed and value not in allowed:
            raise refuse(
                (*parts, "config", key),
                name,
                f"{key}={value!r} has no Keras 3 equivalent on {class_name}",
                f"set {key} to its default in Keras 2 (or move it to the call) and save again",
            )
        notes.dropped_key(class_name, key)


def _input_layer(
    inner: dict[str, Any], entry: dict[str, Any], parts: tuple[str | int, ...], name: str, n: Notes
) -> None:
    if "batch_input_shape" in inner or "batch_shape" not in inner:
        shape = inner.pop("batch_input_shape", None)
        if shape is not None:
            inner["batch_shape"] = shape
            n.change("InputLayer batch_input_shape -> batch_shape")
    if isinstance(inner.get("dtype"), Mapping):
        policy = dtype_policy(inner["dtype"])
        inner["dtype"] = policy["config"]["name"] if isinstance(policy, Mapping) else "float32"


def _leaky_relu(
    inner: dict[str, Any], entry: dict[str, Any], parts: tuple[str | int, ...], name: str, n: Notes
) -> None:
    if "alpha" in inner:
        inner.setdefault("negative_slope", inner.pop("alpha"))
        n.change("LeakyReLU alpha -> negative_slope")


def _batch_norm(
    inner: dict[str, Any], entry: dict[str, Any], parts: tuple[str | int, ...], name: str, n: Notes
) -> None:
    axis = inner.get("axis")
    if isinstance(axis, list):
        if len(axis) != 1:
            raise refuse(
                (*parts, "config", "axis"),
                name,
                f"BatchNormalization over several axes {axis} has no Keras 3 equivalent",
                "normalize over one axis (reshape around the layer) in Keras 2 and save again",
            )
        inner["axis"] = axis[0]
        n.change("BatchNormalization axis [k] -> k")
    for key, allowed in _BN_KERAS2.items():
        if key in inner:
            value = inner.pop(key)
            if allowed and value not in allowed:
                raise refuse(
                    (*parts, "config", key),
                    name,
                    f"{key}={value!r} has no Keras 3 equivalent",
                    f"train without {key} in Keras 2 and save again",
                )


def _multi_head_attention(
    inner: dict[str, Any], entry: dict[str, Any], parts: tuple[str | int, ...], name: str, n: Notes
) -> None:
    # Keras 2 records the build shapes in the config; Keras 3 in build_config.
    # Keras 2 records the build shapes in the config (and only the query's in
    # build_config); Keras 3 builds from build_config.shapes_dict.
    shapes = {k: inner.get(k) for k in ("query_shape", "value_shape", "key_shape")}
    if shapes["key_shape"] == shapes["value_shape"]:
        del shapes["key_shape"]  # Keras 3 writes key_shape only for a separate key
    build = entry.get("build_config")
    has_dict = isinstance(build, Mapping) and isinstance(build.get("shapes_dict"), Mapping)
    if not has_dict and shapes["query_shape"] is not None and shapes["value_shape"] is not None:
        entry["build_config"] = {"shapes_dict": {k: v for k, v in shapes.items() if v is not None}}
        n.change("MultiHeadAttention query/key/value_shape -> build_config.shapes_dict")


_SPECIFIC = {
    "InputLayer": _input_layer,
    "LeakyReLU": _leaky_relu,
    "BatchNormalization": _batch_norm,
    "MultiHeadAttention": _multi_head_attention,
}
