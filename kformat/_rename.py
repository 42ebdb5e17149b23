"""Renaming a layer in a model config: its name and every reference to it (spec §5.2-§5.4).

A layer's name is written in up to three places of its own entry (the
entry's ``name``, ``config.name``) and referenced by name from its model's
``input_layers`` / ``output_layers`` and from every inbound node of the layers
called on it (:func:`kformat._model_graph.inbound_refs`). Weight paths do not
depend on layer names (they follow class names, spec §6.5); the ``vars``
group's ``name`` attribute (Keras 3.6+) does, and :func:`kformat._patch` updates it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kformat import weight_paths
from kformat._model_graph import inbound_refs

__all__ = ["find_model", "rename_layer"]


def _layers(model: Mapping[str, Any]) -> list[dict[str, Any]]:
    inner = model.get("config")
    found = inner.get("layers") if isinstance(inner, Mapping) else None
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def _name(entry: Mapping[str, Any]) -> Any:
    cfg = entry.get("config")
    return cfg.get("name") if isinstance(cfg, Mapping) and "name" in cfg else entry.get("name")


def find_model(config: dict[str, Any], qualname: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the model holding the layer ``qualname`` — ``outer/inner`` inside a nested
    model — and the layer's entry); ``KeyError`` if there is none."""
    model = config
    parts = qualname.split("/")
    for depth, part in enumerate(parts):
        if not weight_paths.is_model_config(model):
            break
        for entry in _layers(model):
            if _name(entry) == part:
                if depth == len(parts) - 1:
                    return model, entry
                model = entry
                break
        else:
            break
    raise KeyError(qualname)


def _rename_refs(structure: Any, old: str, new: str) -> Any:
    """``input_layers``/``output_layers``: a ``[name, node, tensor]`` list, a
    list of them, or a dict of them (Keras 3 dict outputs)."""
    if isinstance(structure, list):
        if len(structure) == 3 and structure[0] == old and isinstance(structure[1], int):
            return [new, *structure[1:]]
        return [_rename_refs(s, old, new) for s in structure]
    if isinstance(structure, dict):
        return {k: _rename_refs(v, old, new) for k, v in structure.items()}
    return structure


def rename_layer(config: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    """A copy of ``config`` with layer ``old`` (``outer/inner`` for a nested
    model's layer) named ``new`` and every reference to it updated.

    Raises:
        KeyError: no layer is named ``old``.
        ValueError: ``new`` is empty, has a ``/`` or is taken in that model.
    """
    if not new or "/" in new:
        raise ValueError(f"a layer name must be non-empty and hold no '/', got {new!r}")
    out = copy.deepcopy(dict(config))
    model, entry = find_model(out, old)
    short = old.rsplit("/", 1)[-1]
    if any(_name(e) == new for e in _layers(model)):
        raise ValueError(f"the model already has a layer named {new!r}")
    if "name" in entry:
        entry["name"] = new
    cfg = entry.get("config")
    if isinstance(cfg, dict) and "name" in cfg:
        cfg["name"] = new
    for other in _layers(model):
        for ref, _shape in inbound_refs(other):
            if ref[0] == short:
                ref[0] = new
    inner = model.get("config")
    if isinstance(inner, dict):
        for key in ("input_layers", "output_layers"):
            if key in inner:
                inner[key] = _rename_refs(inner[key], short, new)
    return out
