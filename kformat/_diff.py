"""``kformat.diff``: what differs between two Keras files (config, weights, metadata).

Layers are matched by name, so an added, removed or renamed layer is reported
as one layer change, not as a wall of shifted JSON Pointers: a renamed layer
is found as a removed and an added layer of the same class with the same
config once the name is set aside, and the new file is compared with that
rename undone. Weights are compared in :mod:`kformat._diff_weights`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from kformat import _json
from kformat._archive import KerasArchive
from kformat._diff_weights import WeightChange, compare_weights
from kformat._model_graph import model_nodes
from kformat._rename import rename_layer

__all__ = [
    "CATEGORIES",
    "ConfigChange",
    "Diff",
    "LayerChange",
    "WeightChange",
    "diff",
    "diff_archives",
]

#: what ``only=`` selects: config outside ``compile_config``, ``compile_config``,
#: the weight arrays, ``metadata.json``.
CATEGORIES = ("architecture", "compile", "weights", "metadata")
_ABSENT: Any = "<absent>"


@dataclasses.dataclass(frozen=True)
class ConfigChange:
    """One JSON value that differs; ``old``/``new`` is ``"<absent>"`` where a key is missing.

    ``pointer`` is the RFC 6901 pointer in the new file (the old one for a
    removal), ``layer`` the layer it lies in, if any.
    """

    category: str
    pointer: str
    old: Any
    new: Any
    layer: str | None = None


@dataclasses.dataclass(frozen=True)
class LayerChange:
    """A layer ``added``, ``removed`` or ``renamed`` (to ``new_name``)."""

    kind: str
    name: str
    class_name: str
    new_name: str | None = None


@dataclasses.dataclass(frozen=True)
class Diff:
    """Everything that differs between ``a`` and ``b``; empty lists when the same."""

    a: str
    b: str
    layers: tuple[LayerChange, ...]
    config: tuple[ConfigChange, ...]
    weights: tuple[WeightChange, ...]
    metadata: tuple[ConfigChange, ...]
    weights_equal: int
    only: tuple[str, ...] = CATEGORIES

    @property
    def same(self) -> bool:
        return not (self.layers or self.config or self.weights or self.metadata)

    def to_dict(self) -> dict[str, Any]:
        doc = dataclasses.asdict(self)
        doc["same"] = self.same
        return doc


def diff(
    a: str | os.PathLike[str] | IO[bytes],
    b: str | os.PathLike[str] | IO[bytes],
    *,
    only: tuple[str, ...] | list[str] = CATEGORIES,
    weights_tolerance: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> Diff:
    """Compare two Keras files (any layouts).

    Args:
        a, b: the old and the new file.
        only: the :data:`CATEGORIES` to compare.
        weights_tolerance: arrays whose largest absolute difference is at
            most this count as equal.
        progress: called with the bytes of ``a`` compared so far.

    Raises:
        KFormatError: either file breaks a rule of the format.
        OSError: a path cannot be opened.
        ValueError: an unknown category.
    """
    from kformat._read import read

    return diff_archives(
        read(a),
        read(b),
        str(a if not hasattr(a, "read") else getattr(a, "name", "<a>")),
        str(b if not hasattr(b, "read") else getattr(b, "name", "<b>")),
        only=only,
        weights_tolerance=weights_tolerance,
        progress=progress,
    )


def diff_archives(
    a: KerasArchive,
    b: KerasArchive,
    name_a: str = "a",
    name_b: str = "b",
    *,
    only: tuple[str, ...] | list[str] = CATEGORIES,
    weights_tolerance: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> Diff:
    """:func:`diff` of two archives already read."""
    bad = [c for c in only if c not in CATEGORIES]
    if bad:
        raise ValueError(f"unknown categories {bad}; choose from {CATEGORIES}")
    config_a, config_b = a.config or {}, b.config or {}
    renames, undone = _renames(config_a, config_b)
    layers = [
        LayerChange("renamed", old, _class_of(config_a, old), new) for old, new in renames.items()
    ]
    changes: list[ConfigChange] = []
    if "architecture" in only or "compile" in only:
        for change in _walk(config_a, undone, (), None, layers):
            category = "compile" if change.pointer.startswith("/compile_config") else "architecture"
            if category in only:
                changes.append(dataclasses.replace(change, category=category))
    if "architecture" not in only:
        layers = []
    meta = []
    if "metadata" in only:
        meta = list(_walk(a.metadata or {}, b.metadata or {}, (), None, None, "metadata"))
    weights: list[WeightChange] = []
    equal = 0
    if "weights" in only:
        weights, equal = compare_weights(a, b, undone, weights_tolerance, progress)
    return Diff(
        name_a,
        name_b,
        tuple(layers),
        tuple(changes),
        tuple(weights),
        tuple(meta),
        equal,
        tuple(only),
    )


def _class_of(config: Mapping[str, Any], qualname: str) -> str:
    for node in model_nodes(config):
        if node.qualname == qualname:
            return node.class_name
    return "?"


def _signature(entry: Mapping[str, Any]) -> Any:
    """An entry with what a rename changes set aside: its name, its inbound nodes,
    and for a nested model its layers and their references (compared after)."""
    cfg = entry.get("config")
    if isinstance(cfg, Mapping):
        skip = {"name", "layers", "input_layers", "output_layers"}
        cfg = {k: v for k, v in cfg.items() if k not in skip}
    kept = {k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")}
    return _json.dump({**kept, "config": cfg} if "config" in entry else kept)


def _renames_once(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, str]:
    """old qualname -> new short name of layers renamed between ``a`` and ``b``:
    one removed and one added layer in the same model with the same signature."""
    nodes_a, nodes_b = model_nodes(a), model_nodes(b)
    names_a = {n.qualname for n in nodes_a}
    names_b = {n.qualname for n in nodes_b}
    removed = [
        n for n in nodes_a if n.qualname not in names_b and (n.parent or "") in names_b | {""}
    ]
    added = [n for n in nodes_b if n.qualname not in names_a]
    out: dict[str, str] = {}
    taken: set[str] = set()
    for old in removed:
        sig = _signature(old.entry)
        for new in added:
            if (
                new.qualname in taken
                or new.parent != old.parent
                or new.class_name != old.class_name
            ):
                continue
            if _signature(new.entry) == sig:
                out[old.qualname] = new.name
                taken.add(new.qualname)
                break
    return out


def _renames(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The renames from ``a`` to ``b`` (outer models first, so a renamed nested
    model's renamed layers are found too) and ``b`` with them undone."""
    renames: dict[str, str] = {}
    undone = dict(b)
    for _ in range(_MAX_NESTING):
        found = _renames_once(a, undone)
        if not found:
            break
        for old, new in found.items():
            parent = old.rsplit("/", 1)[0] + "/" if "/" in old else ""
            undone = rename_layer(undone, parent + new, old.rsplit("/", 1)[-1])
        renames.update(found)
    return renames, undone


_MAX_NESTING = 16


def _is_layer_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(e, dict) and "class_name" in e and isinstance(e.get("config"), dict)
        for e in value
    )


def _entry_name(entry: Mapping[str, Any]) -> str:
    name = entry["config"].get("name", entry.get("name"))
    return str(name)


def _walk(
    a: Any,
    b: Any,
    parts: tuple[str | int, ...],
    layer: str | None,
    layer_changes: list[LayerChange] | None,
    category: str = "architecture",
) -> Iterator[ConfigChange]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            yield from _walk(
                a.get(key, _ABSENT),
                b.get(key, _ABSENT),
                (*parts, key),
                layer,
                layer_changes,
                category,
            )
        return
    if (
        layer_changes is not None
        and parts
        and parts[-1] == "layers"
        and _is_layer_list(a)
        and _is_layer_list(b)
        and a
        and b
    ):
        yield from _layer_list(a, b, parts, layer, layer_changes)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _walk(x, y, (*parts, i), layer, layer_changes, category)
        return
    if type(a) is not type(b) or a != b:
        yield ConfigChange(category, _json.pointer(list(parts)), a, b, layer)


def _layer_list(
    a: list[dict[str, Any]],
    b: list[dict[str, Any]],
    parts: tuple[str | int, ...],
    layer: str | None,
    layer_changes: list[LayerChange],
) -> Iterator[ConfigChange]:
    """Layer lists aligned by name: each added/removed layer is one change."""
    prefix = f"{layer}/" if layer else ""
    index_b = {_entry_name(e): i for i, e in enumerate(b)}
    names_a = {_entry_name(e) for e in a}
    for entry in a:
        name = _entry_name(entry)
        if name not in index_b:
            layer_changes.append(LayerChange("removed", prefix + name, str(entry["class_name"])))
            continue
        i = index_b[name]
        yield from _walk(entry, b[i], (*parts, i), prefix + name, layer_changes)
    for entry in b:
        name = _entry_name(entry)
        if name not in names_a:
            layer_changes.append(LayerChange("added", prefix + name, str(entry["class_name"])))
    order_a = [n for n in (_entry_name(e) for e in a) if n in index_b]
    order_b = [n for n in (_entry_name(e) for e in b) if n in names_a]
    if order_a != order_b:
        yield ConfigChange("architecture", _json.pointer(list(parts)), order_a, order_b, layer)
