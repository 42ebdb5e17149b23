"""Per-layer config checks (spec/format.md §5.8-5.9, §4.5; KF305, KF306, KF309-KF314, KF317).

Runs over every layer entry of every (nested) model: the fully specified
classes get every key checked (type and range KF305, unknown KF312, required
KF313, Keras-2-only KF314); recognized weightless classes their base keys; a
Keras-family class kformat does not model is KF310. Across the whole tree,
objects sharing a ``shared_object_id`` must agree on their class (KF311) and
Keras 2 constructs Keras 3 cannot load are KF314. A top-level model object without
``module`` is KF317: Keras 3 cannot locate its class.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kformat import layer_specs, layers
from kformat._issues import Issue
from kformat._rules import RULES
from kformat.validate import _known
from kformat.validate._fields import BASE_KEYS, TF_KERAS_BASE_KEYS, dtype_problem
from kformat.validate._graph import iter_models
from kformat.validate._walk import Parts, iter_objects, ptr

__all__ = ["is_known_layer", "layer_entries", "layer_issues", "tree_issues"]

_MODELS = frozenset({"Sequential", "Functional", "Model"})
_TF_OPS = frozenset({"TFOpLambda", "SlicingOpLambda"})
_INITIALIZER_ALIASES = frozenset(
    {"normal", "uniform", "zero", "one", "random_normal", "random_uniform", "truncated_normal"}
)


def _issue(code: str, message: str, parts: Parts) -> Issue:
    return Issue(code, RULES[code].severity, message, path=ptr(parts))


def _keras_module(entry: Mapping[str, Any]) -> bool:
    """A Keras family module, or no ``module`` key at all (a legacy dict); a
    ``null`` module is a class from ``__main__`` (spec §9.2)."""
    if "module" not in entry:
        return True
    module = entry["module"]
    return isinstance(module, str) and module.split(".", 1)[0] in _known.KERAS_PACKAGES


def _is_operation(entry: Mapping[str, Any]) -> bool:
    module = entry.get("module")
    return isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops"))


def is_known_layer(entry: Mapping[str, Any]) -> bool:
    """A layer entry whose class kformat models (its outputs and variables are known)."""
    cls = entry.get("class_name")
    if not isinstance(cls, str):
        return False
    return _keras_module(entry) and (layers.is_known(cls) or cls in _MODELS or _is_operation(entry))


def layer_entries(config: Any) -> Iterator[tuple[Parts, Mapping[str, Any]]]:
    """``(parts, entry)`` of every layer entry of every (nested) model."""
    for parts, model in iter_models(config):
        for i, entry in enumerate(model["config"]["layers"]):
            if isinstance(entry, Mapping):
                yield (*parts, "config", "layers", i), entry


def _with_wrapped(
    entries: Iterator[tuple[Parts, Mapping[str, Any]]],
) -> Iterator[tuple[Parts, Mapping[str, Any]]]:
    """The entries, each followed by the layers it wraps: a class whose definition
    has a ``layer`` key holds a serialized layer there (``Wrapper``,
    ``keras/src/layers/core/wrapper.py``), checked like any layer entry."""
    for base, entry in entries:
        yield base, entry
        while True:
            cls, inner = entry.get("class_name"), entry.get("config")
            definition = layers.get(cls) if isinstance(cls, str) else None
            if definition is None or "layer" not in definition.fields:
                break
            nested = inner.get("layer") if isinstance(inner, Mapping) else None
            if not isinstance(nested, Mapping):
                break
            base, entry = (*base, "config", "layer"), nested
            yield base, entry


def layer_issues(config: Any, custom: list[str]) -> Iterator[Issue]:
    """KF305/KF306/KF309/KF310/KF312/KF313/KF314 of every layer entry (and of the
    layers wrappers hold)."""
    for base, entry in _with_wrapped(layer_entries(config)):
        cls = entry.get("class_name")
        inner = entry.get("config")
        if "build_config" in entry:
            yield from _build_config_issues(entry["build_config"], (*base, "build_config"))
        if not isinstance(cls, str) or not isinstance(inner, Mapping) or cls in _MODELS:
            continue
        if _is_operation(entry) or not _keras_module(entry):
            continue  # operations have no config to check; custom layers are KF306
        cparts = (*base, "config")
        if cls in _TF_OPS:
            yield _issue(
                "KF314", f"layer {cls} exists only in tf.keras; Keras 3 cannot load it", base
            )
            continue
        if not layers.is_known(cls):
            yield _issue(
                "KF310",
                f"layer class {cls} is a Keras built-in kformat does not model: its config and weights "
                "are not checked",
                base,
            )
            continue
        yield from _base_keys(cls, inner, cparts)
        spec = layers.get(cls)
        if spec is None:
            continue
        for key, value in inner.items():
            field = spec.fields.get(key)
            if field is None:
                if key in spec.refused_base_keys:
                    yield _issue(
                        "KF314",
                        f"key {key} of {cls} is written only by tf.keras; Keras 3 rejects it",
                        (*cparts, key),
                    )
                elif key not in BASE_KEYS and key not in TF_KERAS_BASE_KEYS:
                    yield _issue(
                        "KF312",
                        f"unknown config key {key!r} for {cls} (Keras: Unrecognized keyword arguments)",
                        (*cparts, key),
                    )
                continue
            if field.tf_keras:
                yield _issue(
                    "KF314",
                    f"key {key} of {cls} is written only by tf.keras; Keras 3 rejects it",
                    (*cparts, key),
                )
            why = field.check(key, value)
            if why is not None:
                yield _issue("KF305", why, (*cparts, key))
            elif key == "activation" and isinstance(value, str):
                yield from _function_name(
                    value, "activation", _known.ACTIVATIONS, (*cparts, key), custom
                )
            elif key.endswith("_initializer") and isinstance(value, str):
                yield from _function_name(
                    value,
                    "initializer",
                    _known.BUILTIN_FUNCTIONS | _INITIALIZER_ALIASES,
                    (*cparts, key),
                    custom,
                )
        for key, field in spec.fields.items():
            if field.required and key not in inner:
                yield _issue("KF313", f"missing required key {key!r} for {cls}", cparts)
        if spec.one_of and not any(k in inner for k in spec.one_of):
            yield _issue(
                "KF313", f"missing required key for {cls}: one of {', '.join(spec.one_of)}", cparts
            )
        yield from _shape_issues(cls, inner, entry, cparts)


#: Largest dimension a recorded shape may hold (Keras shapes are C ints).
MAX_DIM = 2**31 - 1


def _build_config_issues(build: Any, parts: Parts) -> Iterator[Issue]:
    """KF305: ``build_config`` holds shapes only (layer.py ``build_from_config``
    passes them to ``build``): every leaf a dimension ``0 <= d <= MAX_DIM`` or
    null, in lists (shapes, lists of shapes) and objects (``shapes_dict``)."""
    if build is None:
        return
    if not isinstance(build, Mapping):
        yield _issue("KF305", "build_config must be an object or null", parts)
        return
    # Document order (reversed pushes): the first bad leaf is the one reported.
    stack: list[tuple[Parts, Any]] = [((*parts, k), v) for k, v in list(build.items())[::-1]]
    while stack:
        where, value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend(((*where, k), v) for k, v in list(value.items())[::-1])
        elif isinstance(value, list):
            stack.extend(((*where, i), v) for i, v in reversed(list(enumerate(value))))
        elif value is not None and not (
            isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DIM
        ):
            shown = "a huge integer" if isinstance(value, int) else repr(value)[:60]
            yield _issue(
                "KF305",
                f"build_config holds shapes only: dimensions 0..{MAX_DIM} or null, got {shown}",
                where,
            )
            return


def _function_name(
    value: str, what: str, known: frozenset[str], parts: Parts, custom: list[str]
) -> Iterator[Issue]:
    if value in known:
        return
    custom.append(value)
    yield _issue("KF306", f"needs a custom object: {what} {value!r} is not a Keras built-in", parts)


def _base_keys(cls: str, inner: Mapping[str, Any], cparts: Parts) -> Iterator[Issue]:
    for key, field in BASE_KEYS.items():
        if key in inner:
            why = field.check(key, inner[key])
            if why is not None:
                yield _issue("KF305", why, (*cparts, key))
    if "dtype" in inner:
        why = dtype_problem(inner["dtype"])
        if why is not None:
            yield _issue("KF305", why, (*cparts, "dtype"))
    if cls != "InputLayer":
        for key in sorted(TF_KERAS_BASE_KEYS & set(inner)):
            yield _issue(
                "KF314",
                f"{key} on a {cls} is written only by tf.keras; Keras 3 cannot load it",
                (*cparts, key),
            )


def _rank(entry: Mapping[str, Any]) -> int | None:
    try:
        shape = layer_specs.input_shape_from_build_config(entry.get("build_config"))
    except (ValueError, TypeError):
        return None
    if shape is None or isinstance(shape, (Mapping, list)):
        return None
    return len(shape)


def _shape_issues(
    cls: str, inner: Mapping[str, Any], entry: Mapping[str, Any], cparts: Parts
) -> Iterator[Issue]:
    """KF309: config facts that must fit the layer's input rank; KF305 bias_axes."""
    if cls == "InputLayer":
        for key in ("batch_shape", "batch_input_shape"):
            if inner.get(key) == []:
                yield _issue("KF309", f"{key} must have rank >= 1, got []", (*cparts, key))
        return
    if cls == "EinsumDense":
        eq = inner.get("equation")
        bias = inner.get("bias_axes")
        if isinstance(eq, str) and "->" in eq and isinstance(bias, str):
            out = eq.split("->", 1)[1]
            missing = [c for c in bias if c not in out]
            if missing:
                yield _issue(
                    "KF305",
                    f"bias_axes letter {missing[0]!r} does not occur in the output of {eq!r}",
                    (*cparts, "bias_axes"),
                )
        rank = _rank(entry)
        if isinstance(eq, str) and "," in eq and rank is not None:
            in_spec = eq.split(",", 1)[0]
            letters = len(in_spec.replace("...", ""))
            if ("..." in in_spec and letters > rank) or ("..." not in in_spec and letters != rank):
                yield _issue(
                    "KF309",
                    f"equation {eq!r} expects inputs of rank {letters}, the layer is built "
                    f"for rank {rank}",
                    (*cparts, "equation"),
                )
        return
    if cls == "MultiHeadAttention":
        axes = inner.get("attention_axes")
        rank = _mha_rank(entry, inner)
        if rank is not None and axes is not None:
            for a in [axes] if isinstance(axes, int) else axes if isinstance(axes, list) else []:
                if isinstance(a, int) and not -rank <= a < rank:
                    yield _issue(
                        "KF309",
                        f"attention axis {a} is outside the query rank {rank}",
                        (*cparts, "attention_axes"),
                    )


def _mha_rank(entry: Mapping[str, Any], inner: Mapping[str, Any]) -> int | None:
    build = entry.get("build_config")
    shapes = build.get("shapes_dict") if isinstance(build, Mapping) else None
    query = shapes.get("query_shape") if isinstance(shapes, Mapping) else inner.get("query_shape")
    return len(query) if isinstance(query, list) else None


def _unlocatable_model(config: Any) -> Issue | None:
    """KF317: the top-level object names a built-in model class but has no ``module``.

    ``saving_lib`` deserializes the top-level object without the layer registry
    (``deserialize_keras_object(config_dict, custom_objects)``), so
    ``_retrieve_class_or_fn`` finds a built-in only through ``module``; without it
    Keras 3 raises "Could not locate class 'Functional'" (keras/src/saving/
    serialization_lib.py). Layer entries and nested objects are deserialized with
    the registry (``keras.layers.deserialize``) and load without ``module``.
    """
    if not isinstance(config, Mapping) or "module" in config:
        return None
    cls, reg = config.get("class_name"), config.get("registered_name")
    if cls not in _MODELS or (isinstance(reg, str) and ">" in reg):
        return None  # a registered custom model is found by its registered name
    return _issue(
        "KF317",
        f"the top-level {cls} object has no 'module': Keras 3 cannot locate its class",
        (),
    )


def tree_issues(config: Any) -> Iterator[Issue]:
    """KF311 (shared ids that disagree), KF314 (Keras 2 modules and policies) and
    KF317 (a top-level model Keras 3 cannot locate)."""
    top = _unlocatable_model(config)
    if top is not None:
        yield top
    shared: dict[int, tuple[Any, Any, Any, Parts]] = {}
    for parts, obj in iter_objects(config):
        module = obj.get("module")
        if isinstance(module, str) and (
            module == "tf_keras"
            or module.startswith("tf_keras.")
            or module == "keras.src.engine.functional"
        ):
            yield _issue(
                "KF314",
                f"module '{module}' is tf.keras's; Keras 3 cannot import it",
                (*parts, "module"),
            )
        if obj.get("class_name") == "Policy" and module in (
            "keras.mixed_precision",
            "tf_keras.mixed_precision",
        ):
            yield _issue(
                "KF314",
                "tf.keras mixed-precision Policy: Keras 3 cannot load it (use DTypePolicy)",
                parts,
            )
        sid = obj.get("shared_object_id")
        if isinstance(sid, int) and not isinstance(sid, bool):
            key = (module, obj.get("class_name"), obj.get("registered_name"))
            first = shared.setdefault(sid, (*key, parts))
            if first[:3] != key:
                yield _issue(
                    "KF311",
                    f"shared_object_id {sid} is {key[1]!r} here but {first[1]!r} at {ptr(first[3]) or '/'}",
                    (*parts, "shared_object_id"),
                )
