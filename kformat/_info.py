"""``kformat info FILE``: what a file holds — layout, writer, layers with their parameter counts, weights.

Weights are listed in natural order (``vars/2`` before ``vars/10``), each with its
shape, dtype and number of values; each layer of the config with the number of
values stored under its object path (spec/format.md §6.5, §6.6, so a layer counts
its sub-layers and a nested model its layers). Shapes come from the HDF5 index:
no weight byte is read. Every string from the file is made printable first.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from kformat._archive import KerasArchive, WeightInfo, WeightMap
from kformat._display import PATH_CHARS, clean, clean_tree

__all__ = ["natural_key", "render_info", "summary"]


def natural_key(path: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders the digit runs of ``path`` by value: ``vars/2`` < ``vars/10``."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", path) if part
    )


def _layers(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    inner = config.get("config")
    layers = inner.get("layers") if isinstance(inner, dict) else None
    out = []
    for entry in layers if isinstance(layers, list) else []:
        if isinstance(entry, dict):
            cfg = entry.get("config")
            name = entry.get("name") or (cfg.get("name") if isinstance(cfg, dict) else None)
            out.append((str(name), str(entry.get("class_name"))))
    return out


def _layer_paths(archive: KerasArchive) -> dict[str, str]:
    """Top-level layer name -> object path, by the naming rule of §6.5."""
    from kformat import weight_paths

    config = archive.config or {}
    if not weight_paths.is_model_config(config):
        return {}
    metadata = archive.metadata or {}
    version = metadata.get("keras_version")
    generation = weight_paths.generation_from_version(version if isinstance(version, str) else None)
    try:
        objects = weight_paths.object_paths(config, generation)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return {}  # a config the validator refuses: no paths to attribute values to
    return {
        obj.name: obj.path
        for obj in objects
        if obj.parent is None and obj.path.count("/") == 2  # /layers/<name>
    }


def _info(weights: Mapping[str, Any], path: str) -> WeightInfo:
    if isinstance(weights, WeightMap):
        return weights.info(path)  # from the HDF5 index: no data read
    arr = weights[path]
    return WeightInfo(tuple(arr.shape), arr.dtype, int(arr.nbytes))


def summary(archive: KerasArchive, file: str) -> dict[str, Any]:
    """The ``kformat info --format json`` document (strings made printable)."""
    weights = archive.weights
    infos = {p: _info(weights, p) for p in sorted(weights, key=natural_key)}
    counts = {p: math.prod(i.shape) for p, i in infos.items()}
    paths = _layer_paths(archive)

    def params(prefix: str) -> int:
        return sum(n for p, n in counts.items() if p.startswith(prefix + "/"))

    layers = []
    for name, class_name in _layers(archive.config or {}):
        entry: dict[str, Any] = {"name": clean(name), "class_name": clean(class_name)}
        if name in paths:
            entry["path"] = clean(paths[name])
            entry["params"] = params(paths[name])
        layers.append(entry)
    config = archive.config or {}
    return {
        "file": clean(file, PATH_CHARS),
        "layout": archive.layout,
        "metadata": archive.metadata,
        "class_name": clean(str(config["class_name"])) if "class_name" in config else None,
        "layers": layers,
        "weights": [
            {
                "path": clean(p),
                "shape": list(i.shape),
                "dtype": clean(str(i.dtype)),
                "params": counts[p],
            }
            for p, i in infos.items()
        ],
        "params": sum(counts.values()),
        "weight_bytes": sum(i.nbytes for i in infos.values()),
        "assets": [clean(a) for a in sorted(archive.assets)],
    }


def render_info(doc: dict[str, Any], fmt: str) -> str:
    """``doc`` (from :func:`summary`) as ``text`` or ``json``."""
    if fmt == "json":
        return json.dumps(doc | {"metadata": clean_tree(doc["metadata"])}, indent=2) + "\n"
    metadata = doc["metadata"] or {}
    lines = [f"{doc['file']}: {doc['layout']} layout, {doc['class_name'] or 'weights only'}"]
    if metadata:
        version = clean(str(metadata.get("keras_version")))
        lines.append(f"  written by Keras {version} on {clean(str(metadata.get('date_saved')))}")
    for layer in doc["layers"]:
        count = f": {layer['params']:,} params" if "params" in layer else ""
        lines.append(f"  layer {layer['name']} ({layer['class_name']}){count}")
    for w in doc["weights"]:
        lines.append(f"  {w['path']}  {tuple(w['shape'])}  {w['dtype']}  {w['params']:,}")
    lines.append(
        f"  {len(doc['weights'])} arrays, {doc['params']:,} params, "
        f"{doc['weight_bytes']:,} bytes of weights, {len(doc['assets'])} assets"
    )
    return "".join(line + "\n" for line in lines)
