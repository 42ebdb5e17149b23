"""Walking a live model to the H5 paths of its objects (spec §6.5-§6.8).

This is Keras's ``_save_state`` / ``_load_state`` walk
(``keras-team/keras: keras/src/saving/saving_lib.py``) applied to runtime
objects: Sequential/Functional ``layers`` first, then attributes (public
alphabetically, then private) minus the base-class attributes, containers
named ``to_snake_case(class)`` with per-container counters. It works for
custom NumPy layers with sub-layers too. For built-in models the result is
the same as :func:`kformat.weight_paths.object_paths` on the config.

Loading tries every path an object is reachable at and the Keras 2.13/2.14
``_layer_checkpoint_dependencies`` spelling, as Keras 3.15's loader does.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kformat.errors import InvalidArchiveError
from kformat.weight_paths import layer_checkpoint_alias, to_snake_case, vars_path
from reference_runtime.layers.layer import Layer
from reference_runtime.optimizers import Optimizer

__all__ = ["SaveableEntry", "collect_state", "load_state", "walk"]

# Non-callable attributes of a fresh ``keras.layers.Layer()`` (Keras 3.15):
# ``get_attr_skipset`` skips them, so a custom layer's attribute with one of
# these names is not walked in Keras either.
_KERAS_LAYER_ATTRS = frozenset(
    {
        "_allow_non_tensor_positional_args",
        "_api_export_path",
        "_api_export_symbol_id",
        "_auto_config",
        "_build_shapes_dict",
        "_call_context_args",
        "_call_has_context_arg",
        "_call_has_mask_arg",
        "_call_has_training_arg",
        "_call_signature",
        "_called",
        "_convert_input_args",
        "_dtype_policy",
        "_inbound_nodes",
        "_input_spec",
        "_layers",
        "_lock",
        "_loss_ids",
        "_losses",
        "_losses_override",
        "_metrics",
        "_non_trainable_variables",
        "_outbound_nodes",
        "_parent_path",
        "_path",
        "_remat_mode",
        "_seed_generators",
        "_supports_masking",
        "_tracker",
        "_trainable",
        "_trainable_variables",
        "activity_regularizer",
        "autocast",
        "built",
        "call_signature_parameters",
        "compute_dtype",
        "dtype",
        "dtype_policy",
        "input",
        "input_dtype",
        "input_spec",
        "losses",
        "metrics",
        "metrics_variables",
        "name",
        "non_trainable_variables",
        "non_trainable_weights",
        "output",
        "path",
        "quantization_mode",
        "supports_jit",
        "supports_masking",
        "trainable",
        "trainable_variables",
        "trainable_weights",
        "variable_dtype",
        "variables",
        "weights",
        "_self_unconditional_dependency_names",
    }
)
_SKIP: dict[type, frozenset[str]] = {}


def _skipset(obj: Layer) -> frozenset[str]:
    from reference_runtime.models.functional import Functional
    from reference_runtime.models.model import Model
    from reference_runtime.models.sequential import Sequential

    for base in (Functional, Sequential, Model, Layer):
        if isinstance(obj, base):
            break
    if base not in _SKIP:
        names = set(_KERAS_LAYER_ATTRS) | {n for n in dir(base) if not n.startswith("__")}
        if base is not Layer:  # Model-level state the runtime keeps privately
            names |= {
                "optimizer",
                "compiled",
                "loss",
                "inputs",
                "outputs",
                "input_names",
                "output_names",
                "input_shape",
                "_compile_config",
                "_functional",
                "_operations",
                "_nodes_by_depth",
                "_node_ids",
                "_inputs_struct",
                "_outputs_struct",
                "_input_shape_arg",
                "operations",
            }
            if base is Model:  # subclassed models: Keras walks their public ``layers``
                names.discard("layers")
        names |= {
            "_input_shape_arg",
            "_dtype_policy",
            "_trainable_variables",
            "_non_trainable_variables",
        }
        _SKIP[base] = frozenset(names)
    return _SKIP[base]


@dataclass
class SaveableEntry:
    """An object with its own ``vars`` group and every path it is reachable at."""

    obj: Any
    paths: list[str] = field(default_factory=list)


class _Walker:
    def __init__(self, keras2: bool) -> None:
        self.keras2 = keras2
        self.entries: dict[int, SaveableEntry] = {}

    def visit(self, obj: Any, path: str) -> None:
        entry = self.entries.get(id(obj))
        if entry is not None:
            entry.paths.append(path)
            return
        self.entries[id(obj)] = SaveableEntry(obj, [path])
        if isinstance(obj, Optimizer):
            return
        for attr, child in self._children(obj):
            child_path = f"{path}/{attr}"
            if isinstance(child, (Layer, Optimizer)):
                self.visit(child, child_path)
            elif isinstance(child, (list, tuple, dict)):
                self.container(child, child_path, set())

    def _children(self, obj: Layer) -> Iterator[tuple[str, Any]]:
        from reference_runtime.models.functional import Functional
        from reference_runtime.models.model import Model
        from reference_runtime.models.sequential import Sequential

        if isinstance(obj, (Functional, Sequential)):
            yield "layers", obj.layers
        skip = _skipset(obj)
        names = sorted(
            {n for n in dir(obj) if not n.startswith("__") and n not in skip},
            key=lambda n: "~" + n if n.startswith("_") else n,
        )
        for name in names:
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            yield name, value
        if isinstance(obj, Model) and obj.optimizer is not None:
            yield "optimizer", obj.optimizer

    def container(self, items: Any, path: str, seen: set[int]) -> None:
        if id(items) in seen:
            return
        seen.add(id(items))
        used: dict[str, int] = {}
        for item in list(items.values()) if isinstance(items, dict) else items:
            if isinstance(item, (Layer, Optimizer)):
                if self.keras2 and id(item) in self.entries:
                    continue  # tf-keras skips visited elements before counting
                name = _unique(to_snake_case(type(item).__name__, keras2=self.keras2), used)
                self.visit(item, f"{path}/{name}")
            elif isinstance(item, (list, tuple, dict)) and not self.keras2:
                self.container(item, f"{path}/{_unique('container', used)}", seen)


def _unique(name: str, used: dict[str, int]) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def walk(model: Any, keras2: bool = False) -> list[SaveableEntry]:
    """Every layer/optimizer of ``model`` with its paths; the root's path is ``""``."""
    walker = _Walker(keras2)
    walker.visit(model, "")
    return list(walker.entries.values())


def collect_state(model: Any) -> tuple[dict[str, np.ndarray[Any, Any]], dict[str, dict[str, Any]]]:
    """Datasets and groups Keras 3.15 would write for ``model``."""
    weights: dict[str, np.ndarray[Any, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for entry in walk(model):
        obj, path = entry.obj, entry.paths[0]
        if isinstance(obj, Optimizer) and obj.saved_state is not None:
            saved_weights, saved_groups = obj.saved_state
            for rel, attrs in saved_groups.items():
                groups[path + rel] = dict(attrs)
            for rel, arr in saved_weights.items():
                weights[path + rel] = arr
            continue
        group = vars_path(path)
        groups[group] = {"name": obj.name}
        if isinstance(obj, Optimizer):
            arrays = obj.own_variables()
        else:
            store: dict[str, Any] = {}
            obj.save_own_variables(store)
            arrays = [store[str(i)] for i in range(len(store))]
        for i, arr in enumerate(arrays):
            weights[f"{group}/{i}"] = np.asarray(arr)
    return weights, groups


def _index(weights: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key in weights:
        group, _, name = key.rpartition("/")
        out.setdefault(group, {})[name] = key
    return out


def load_state(
    model: Any,
    weights: Mapping[str, Any],
    groups: Mapping[str, Any],
    *,
    keras2: bool = False,
    skip_mismatch: bool = False,
    source: str = "the file",
    member: str | None = None,
) -> None:
    """Assign every object's variables from the file, Keras-style.

    Raises:
        InvalidArchiveError: some objects could not be loaded (wrong count,
            shape, or missing group), unless ``skip_mismatch`` (then a warning).
    """
    index = _index(weights)
    legacy = any(g.startswith("/_layer_checkpoint_dependencies") for g in groups)
    failures: list[tuple[Any, str, str, str]] = []  # (object, message, group, rule)
    for entry in walk(model, keras2=keras2):
        obj = entry.obj
        candidates = list(entry.paths)
        if legacy:
            candidates += [layer_checkpoint_alias(p) for p in entry.paths if "layers" in p]
        if isinstance(obj, Optimizer):
            _load_optimizer(obj, candidates, weights, groups)
            continue
        error: tuple[str, str, str] | None = None
        for path in candidates:
            group = vars_path(path)
            store = {name: weights[key] for name, key in index.get(group, {}).items()}
            if not store and group not in groups and obj._own_variables():
                error = error or (
                    f"Layer '{obj.name}' expected {len(obj._own_variables())} variables, but received 0 "
                    f"variables during loading. Expected: {[v.name for v in obj._own_variables()]}",
                    group,
                    "KF420",
                )
                continue
            try:
                obj.load_own_variables(store)
                error = None
                break
            # a file's arrays may have any shape, dtype or count (spec §6: KF422)
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                error = error or (str(exc), group, "KF422")
        if error is not None:
            failures.append((obj, *error))
    if failures:
        names = ", ".join(
            f"<{type(o).__name__} name={getattr(o, 'name', '?')}>" for o, *_ in failures
        )
        msg = (
            f"A total of {len(failures)} objects could not be loaded from {source}. Example error message "
            f"for object <{type(failures[0][0]).__name__} name={failures[0][0].name}>: {failures[0][1]}. "
            f"List of objects that could not be loaded: [{names}]"
        )
        if not skip_mismatch:
            raise InvalidArchiveError(
                msg, member=member, path="/" + failures[0][2].lstrip("/"), code=failures[0][3]
            )
        warnings.warn(msg, stacklevel=3)


def _load_optimizer(
    opt: Optimizer, candidates: list[str], weights: Mapping[str, Any], groups: Mapping[str, Any]
) -> None:
    # Optimizer state is never used for inference; keep it verbatim so a
    # re-save writes it back unchanged (spec §6.8, §6.10).
    for path in candidates:
        prefix = path + "/"
        saved_w = {
            k[len(path) :]: np.asarray(v) for k, v in weights.items() if k.startswith(prefix)
        }
        saved_g = {
            k[len(path) :]: dict(v) for k, v in groups.items() if k.startswith(prefix) or k == path
        }
        if saved_w or saved_g:
            object.__setattr__(opt, "saved_state", (saved_w, saved_g))
            return
