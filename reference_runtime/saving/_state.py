"""The H5 paths of a live model's objects (spec §6.5-§6.8).

One rule names them: :mod:`kformat.weight_paths`, the derivation the
validator checks files with. A built-in Sequential or Functional model's
config (as much of it as the rule reads: classes, names, ``layers``) goes
to :func:`kformat.weight_paths.object_paths` (layers, nested models and the
sub-layers of built-in layers); each derived path is then matched to the
live object it names (a model's ``layers`` in order; a sub-layer by the
attribute the layer table gives).

Only a custom layer or a subclassed model has parts no config describes: its
sub-layers are found as Keras's ``_save_state`` finds them
(``keras-team/keras: keras/src/saving/saving_lib.py``): attributes
(:mod:`reference_runtime.saving._attributes`), containers named
``to_snake_case(class)`` with per-container counters.

Loading tries every path an object is reachable at and the Keras 2.13/2.14
``_layer_checkpoint_dependencies`` spelling, as Keras 3.15's loader does.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kformat import weight_paths
from kformat.errors import InvalidArchiveError
from kformat.weight_paths import Generation, layer_checkpoint_alias, to_snake_case, vars_path
from reference_runtime import _builtins
from reference_runtime.layers.layer import Layer
from reference_runtime.optimizers import Optimizer
from reference_runtime.saving._attributes import (
    custom_attributes,
    is_builtin,
    is_builtin_model,
    model_kind,
)

__all__ = ["SaveableEntry", "collect_assets", "collect_state", "load_assets", "load_state", "walk"]


@dataclass
class SaveableEntry:
    """An object with its own ``vars`` group and every path it is reachable at."""

    obj: Any
    paths: list[str] = field(default_factory=list)
    #: only older Keras 3 files hold it (Bidirectional's unbuilt ``layer`` before
    #: Keras 3.3.3): read when present, never written.
    read_only: bool = False


class _Walker:
    def __init__(self, keras2: bool) -> None:
        self.keras2 = keras2
        self.generation: Generation = "keras2" if keras2 else "keras3"
        self.entries: dict[int, SaveableEntry] = {}

    def _place(self, obj: Any, paths: list[str], read_only: bool = False) -> bool:
        """Record ``obj`` at ``paths``; ``False`` when it was already placed."""
        entry = self.entries.get(id(obj))
        if entry is not None:
            entry.paths.extend(p for p in paths if p not in entry.paths)
            return False
        self.entries[id(obj)] = SaveableEntry(obj, list(paths), read_only)
        return True

    def visit(self, obj: Any, path: str) -> None:
        if not self._place(obj, [path]) or isinstance(obj, Optimizer):
            return
        if is_builtin_model(obj):
            skeleton = _skeleton(obj)
            self._derived(weight_paths.object_paths(skeleton, self.generation), obj, path)
            if not self.keras2:  # sub-layers only Keras 3.0.x files hold
                older = weight_paths.object_paths(skeleton, "keras3.0")
                self._derived(older, obj, path, read_only=True)
        elif is_builtin(obj):  # a built-in layer reached from a custom one
            entry = _skeleton(obj)
            subs = weight_paths.sublayer_paths(
                entry["class_name"], entry["config"], "", self.generation
            )
            self._derived(subs, obj, path)
        else:
            self._attributes(obj, path)
        self._optimizer(obj, path)

    def _derived(
        self,
        derived: list[weight_paths.ObjectPath],
        owner: Any,
        prefix: str,
        read_only: bool = False,
    ) -> None:
        """Place the live object of each derived path; the paths are relative
        to ``prefix``, where ``owner`` sits (path ``""``, already placed)."""
        live: dict[str, Any] = {"": owner}
        children: dict[str, Iterator[Any]] = {}
        for op in derived:
            if op.path == "":
                continue
            obj = _live_object(op, live, children)
            if obj is None:
                continue  # a sub-layer of a layer that was never built
            live[op.path] = obj
            if not self._place(obj, [prefix + p for p in (op.path, *op.aliases)], read_only):
                continue
            if not is_builtin(obj):
                self._attributes(obj, prefix + op.path)
            self._optimizer(obj, prefix + op.path)

    def _optimizer(self, obj: Any, path: str) -> None:
        if model_kind(obj) is not None and obj.optimizer is not None:
            self.visit(obj.optimizer, f"{path}/optimizer")

    def _attributes(self, obj: Any, path: str) -> None:
        for attr, child in custom_attributes(obj):
            child_path = f"{path}/{attr}"
            if isinstance(child, (Layer, Optimizer)):
                self.visit(child, child_path)
            elif isinstance(child, (list, tuple, dict)):
                self.container(child, child_path, set())

    def container(self, items: Any, path: str, seen: set[int]) -> None:
        if id(items) in seen:
            return
        seen.add(id(items))
        used: dict[str, int] = {}
        for item in list(items.values()) if isinstance(items, dict) else items:
            if isinstance(item, (Layer, Optimizer)):
                if self.keras2 and id(item) in self.entries:
                    continue  # tf-keras skips visited elements before counting
                name = to_snake_case(type(item).__name__, keras2=self.keras2)
                self.visit(item, f"{path}/{weight_paths.unique_name(name, used)}")
            elif isinstance(item, (list, tuple, dict)) and not self.keras2:
                self.container(item, f"{path}/{weight_paths.unique_name('container', used)}", seen)


def _skeleton(obj: Any) -> dict[str, Any]:
    """The part of ``obj``'s config the path rule reads: class names, names,
    the ``layers`` of models (their live order) and a built-in layer's own
    config (which sub-layers it has, e.g. MultiHeadAttention's gate). A
    custom layer's config never names sub-layers, so only its name is taken;
    nothing here needs the custom objects a full serialization would."""
    cls = type(obj)
    entry: dict[str, Any] = {
        "module": _builtins.public_module(cls),
        "class_name": _builtins.public_class_name(cls) if is_builtin(obj) else cls.__name__,
    }
    if is_builtin_model(obj):
        entry["config"] = {"name": obj.name, "layers": [_skeleton(x) for x in obj.layers]}
    elif is_builtin(obj):
        entry["config"] = _builtin_config(obj)
    else:
        entry["config"] = {"name": obj.name}
    return entry


def _builtin_config(layer: Any) -> dict[str, Any]:
    try:
        return {"name": layer.name, **layer.get_config()}
    except TypeError:  # it holds an unregistered function, which only saving needs
        return {"name": layer.name}


def _live_object(
    op: weight_paths.ObjectPath, live: Mapping[str, Any], children: dict[str, Iterator[Any]]
) -> Any:
    """The live object a derived path names, or ``None`` for an unbuilt sub-layer."""
    if op.parent is not None:
        parent = live.get(op.parent)
        if parent is None or op.attr is None:
            return None
        try:  # an attribute of a built-in layer, named by the layer table
            found = getattr(parent, op.attr)
        except AttributeError:  # made by build(), which never ran
            return None
        # Older writers' sub-layer the runtime keeps only as config (Bidirectional's
        # ``layer`` in Keras 2): nothing live to load into.
        return found if isinstance(found, Layer) else None
    # ``<model>/layers/<name>``: the next of that model's ``layers``, in the
    # order its config lists them (the runtime writes no shared ids, so every
    # element is derived, and counted, once).
    container = op.path.rsplit("/", 2)[0]
    if container not in children:
        children[container] = iter(live[container].layers)
    obj = next(children[container], None)
    if obj is None or obj.name != op.name:
        raise RuntimeError(
            f"the weight paths derived from the model's config do not match its layers at "
            f"{op.path!r} (config name {op.name!r}, layer {getattr(obj, 'name', None)!r})"
        )
    return obj


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
        if entry.read_only:
            continue
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
            store = {str(i): arr for i, arr in enumerate(obj.own_variables())}
        else:
            store = {}
            obj.save_own_variables(store)
        # "0".."n-1" for most objects; IndexLookup saves ``idf_weights`` by name (spec §6.8).
        for key, arr in store.items():
            weights[f"{group}/{key}"] = np.asarray(arr)
    return weights, groups


def collect_assets(model: Any) -> dict[str, bytes]:
    """``assets/<object path>/<file>`` -> bytes of every object with
    ``save_asset_files()`` (Keras' ``save_assets``, ``saving_lib._save_state``; spec §2.7)."""
    assets: dict[str, bytes] = {}
    for entry in walk(model):
        save = getattr(entry.obj, "save_asset_files", None)
        if save is None:
            continue
        prefix = "assets/" + entry.paths[0].strip("/")
        for name, data in save().items():
            assets[f"{prefix}/{name}" if entry.paths[0] else f"assets/{name}"] = bytes(data)
    return assets


def load_assets(model: Any, assets: Mapping[str, bytes], *, keras2: bool = False) -> None:
    """Hand every object with ``load_asset_files(files)`` (Keras' ``load_assets``) the members under
    ``assets/<its path>/`` as ``{relative name: bytes}`` (``saving_lib._load_state``
    passes the directory; spec §2.7). The reader's rules already hold for the
    names (KF103: no path escapes) and sizes (KF108); each file is read when
    the layer asks for it."""
    for entry in walk(model, keras2=keras2):
        load = getattr(entry.obj, "load_asset_files", None)
        if load is None:
            continue
        files: Mapping[str, bytes] = {}
        # tf.keras 2.13/2.14 name the asset folders as their weight groups
        # (``_layer_checkpoint_dependencies`` for ``layers``, spec §2.7).
        for path in [*entry.paths, *(layer_checkpoint_alias(p) for p in entry.paths)]:
            prefix = "assets/" + path.strip("/") + "/" if path else "assets/"
            names = [n for n in assets if n.startswith(prefix)]
            if names:
                files = _AssetFiles(assets, prefix, names)
                break
        try:
            load(files)
        except InvalidArchiveError as exc:
            if exc.member is not None:
                raise
            where = "assets/" + entry.paths[0].strip("/") + "/"
            raise InvalidArchiveError(exc.message, member=where, code=exc.code) from exc


class _AssetFiles(Mapping[str, bytes]):
    """The assets under one object's directory, relative names, read on access."""

    def __init__(self, assets: Mapping[str, bytes], prefix: str, names: list[str]) -> None:
        self._assets = assets
        self._prefix = prefix
        self._names = [n[len(prefix) :] for n in names]

    def __getitem__(self, name: str) -> bytes:
        if name not in self._names:
            raise KeyError(name)
        return bytes(self._assets[self._prefix + name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


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
        if entry.read_only and not any(vars_path(p) in groups for p in candidates):
            continue  # an older writer's sub-layer this file does not hold
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
