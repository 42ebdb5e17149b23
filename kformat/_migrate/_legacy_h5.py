"""Legacy full-model HDF5 files (``model.save("m.h5")``, Keras 2.2-2.15; spec KF413).

The file is read through kformat's isolated, bounded HDF5 walk (``_h5.load``)
and its ``model_config`` attribute through the same JSON parser and limits as
a ``config.json``; nothing named in it is imported. Layout
(``tf_keras/saving/legacy/hdf5_format.py`` ``save_model_to_hdf5``,
``save_weights_to_hdf5_group``):

* root attributes ``model_config`` (JSON), ``keras_version``, ``backend``,
  optionally ``training_config``; optimizer state in ``optimizer_weights``;
* ``model_weights`` with attribute ``layer_names``, one group per layer with
  attribute ``weight_names`` (``dense/kernel:0`` …), each the dataset path
  below that group, in ``layer.weights`` order (trainable, then non-trainable).

A weight name's second-to-last component names the object that owns it: the
layer itself (``dense/kernel:0``), a sub-layer (``mha/query/kernel:0``) or a
layer of a nested model (``dense/kernel:0`` inside ``inner``). Variables are
placed by that owner's name within the layer's own objects, in file order —
the order of Keras' ``vars/0..n-1`` for every class whose variables keep their
Keras 2 creation order.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kformat import _h5, _json
from kformat._archive import WeightMap, weight_map_from_index
from kformat._io import Window, map_file
from kformat._limits import Limits
from kformat.errors import InvalidArchiveError, UnsupportedFeatureError
from kformat.weight_paths import ObjectPath, object_paths

__all__ = ["LegacyModel", "is_legacy_h5", "place_weights", "read_legacy_h5"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_WEIGHTS = "model_weights"


class LegacyModel:
    """A legacy HDF5 model as plain data."""

    def __init__(
        self,
        config: dict[str, Any],
        keras_version: str | None,
        layer_weights: dict[str, list[tuple[str, np.ndarray[Any, Any]]]],
        has_optimizer: bool,
    ) -> None:
        self.config = config
        self.keras_version = keras_version
        self.layer_weights = layer_weights
        self.has_optimizer = has_optimizer


def is_legacy_h5(path: Path) -> bool:
    """Whether ``path`` starts with the HDF5 signature (whatever its name says)."""
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_MAGIC
    except IsADirectoryError:
        return False


def read_legacy_h5(path: Path, limits: Limits) -> LegacyModel:
    """Read a legacy HDF5 model.

    Raises:
        KFormatError: not HDF5, hostile (through the safe walk), or not a
            legacy model (no ``model_config``: a weights-only file).
    """
    member = path.name
    buf = map_file(path)
    index, loaded = _h5.load(Window(buf, 0, len(buf)), member=member, limits=limits, decode=True)
    root = index.groups.get("/", {})
    raw = root.get("model_config")
    if raw is None:
        raise UnsupportedFeatureError(
            "an HDF5 file without a model_config attribute (weights only: model.save_weights "
            "in the legacy format); build the model in Keras and load these weights there",
            member=member,
            path="/",
            code="KF413",
        )
    if not isinstance(raw, str):
        raise InvalidArchiveError("model_config is not text", member=member, path="/", code="KF413")
    doc = _json.parse(
        raw.encode("utf-8", errors="surrogatepass"),
        member=f"{member}#/model_config",
        max_bytes=limits.max_config_bytes,
        max_depth=limits.max_json_depth,
        max_nodes=limits.max_json_nodes,
    )
    if doc.duplicate_keys or not isinstance(doc.value, dict):
        raise InvalidArchiveError(
            "model_config is not one JSON object with unique keys",
            member=member,
            path="/",
            code="KF207",
        )
    weights = WeightMap(weight_map_from_index(index, buf, 0, loaded))
    layer_weights: dict[str, list[tuple[str, np.ndarray[Any, Any]]]] = {}
    group = index.groups.get(f"/{_WEIGHTS}", {})
    for layer in _names(group.get("layer_names"), member, f"/{_WEIGHTS}"):
        gpath = f"/{_WEIGHTS}/{layer}"
        names = _names(index.groups.get(gpath, {}).get("weight_names"), member, gpath)
        items = []
        for name in names:
            dpath = f"{gpath}/{name}"
            if dpath not in weights:
                raise InvalidArchiveError(
                    f"weight {name!r} named by weight_names is not in the file",
                    member=member,
                    path=dpath,
                    code="KF420",
                )
            items.append((name, np.asarray(weights[dpath])))
        layer_weights[layer] = items
    version = root.get("keras_version")
    return LegacyModel(
        doc.value,
        version if isinstance(version, str) else None,
        layer_weights,
        any(p.startswith("/optimizer_weights/") for p in index.datasets),
    )


def _names(value: Any, member: str, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return value
    if isinstance(value, np.ndarray) and value.size == 0:
        return ()  # h5py writes an empty name list as an empty float array
    raise InvalidArchiveError("expected a list of names", member=member, path=path, code="KF414")


def place_weights(
    legacy: LegacyModel, target_config: Mapping[str, Any], scale: Mapping[int, float]
) -> tuple[dict[str, np.ndarray[Any, Any]], dict[str, dict[str, Any]]]:
    """The Keras 3 weights and groups of ``target_config`` from the legacy layers.

    Raises:
        UnsupportedFeatureError: a layer's weights cannot be placed (an owner
            name that is not one of its objects, or names more than one).
    """
    from kformat._migrate._hard_sigmoid import scaled_variables

    paths = object_paths(target_config, "keras3")
    groups = {op.vars: {"name": op.name} for op in paths}
    # Objects by their top-level layer: the model's own children sit at /layers/<x>.
    under: dict[str, list[ObjectPath]] = {}
    top: dict[str, ObjectPath] = {}
    for op in paths:
        parts = op.path.split("/")
        if len(parts) == 3 and op.parent is None:
            top[op.path] = op
    for op in paths:
        for tpath, t in top.items():
            if op.path == tpath or op.path.startswith(tpath + "/"):
                under.setdefault(t.name, []).append(op)
    out: dict[str, np.ndarray[Any, Any]] = {}
    for layer, items in legacy.layer_weights.items():
        if not items:
            continue
        objects = under.get(layer)
        if objects is None:
            raise UnsupportedFeatureError(
                f"legacy weights of layer {layer!r} belong to no layer of the model config",
                member="model_weights",
                path=f"/{_WEIGHTS}/{layer}",
                code="KF423",
            )
        per_owner: dict[str, list[np.ndarray[Any, Any]]] = {}
        for name, arr in items:
            parts = name.split("/")
            owner = parts[-2] if len(parts) >= 2 else layer
            per_owner.setdefault(owner, []).append(arr)
        for owner, arrays in per_owner.items():
            matches = [op for op in objects if op.name == owner]
            if not matches and len(per_owner) == 1:
                # One owner whose name is no object's (a layer renamed after it was
                # built keeps its variables' old scope): the layer itself owns them.
                matches = [op for op in objects if op.name == layer][:1]
            if len(matches) != 1:
                raise UnsupportedFeatureError(
                    f"cannot tell which object of layer {layer!r} owns the weights named "
                    f"{owner!r}/... ({len(matches)} candidates); re-save the model in the "
                    ".keras format with Keras 2 and migrate that file",
                    member="model_weights",
                    path=f"/{_WEIGHTS}/{layer}",
                    code="KF423",
                )
            op = matches[0]
            factor = scale.get(id(op.config))
            scaled = set(scaled_variables(op.class_name, len(arrays))) if factor else set()
            for i, arr in enumerate(arrays):
                if i in scaled and factor is not None:
                    arr = (arr.astype(np.float64) * factor).astype(arr.dtype)
                out[f"{op.vars}/{i}"] = arr
    return out, groups
