"""Keras 2 files Keras 3 cannot read as they are: legacy HDF5 models and Windows-saved ``.keras``.

* A legacy full-model HDF5 file (spec KF413) is read by kformat's safe HDF5
  layer (``kformat._migrate._legacy_h5``); the model is built from its
  ``model_config`` by the usual Keras 2 path of the loader, and each layer gets
  its weights from ``model_weights/<layer>`` in ``trainable_weights +
  non_trainable_weights`` order, matched by layer name
  (``tf_keras/saving/legacy/hdf5_format.py`` ``load_weights_from_hdf5_group``
  matches by order; names are the same for a model built from the same config).
* A Windows-saved tf.keras file (spec KF438) has backslashes in its HDF5 group
  names; they are read as path separators, and the file loads as the Keras 2
  file it is.

Neither path goes through ``kformat.migrate``: ``migrate(check=True)`` compares
the migrated file against this independent reading of the original.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import kformat
from kformat._migrate._legacy_config import normalize_legacy
from kformat._migrate._legacy_h5 import LegacyModel, is_legacy_h5, read_legacy_h5
from kformat._migrate._report import Notes
from kformat._read import read_any, windows_group
from kformat.errors import InvalidArchiveError

__all__ = ["assign_weights", "is_legacy_model", "read_legacy", "read_model_file"]


def is_legacy_model(path: Path) -> bool:
    """A file (not a directory) starting with the HDF5 signature: a legacy model
    unless its name says weights-only (``.weights.h5``, read as a weights file)."""
    return path.is_file() and not path.name.endswith(".weights.h5") and is_legacy_h5(path)


def read_legacy(path: Path) -> LegacyModel:
    """The legacy model, its config given the ``keras.*`` modules of helper objects."""
    legacy = read_legacy_h5(path, kformat.DEFAULT_LIMITS)
    legacy.config = normalize_legacy(legacy.config, Notes())
    return legacy


def read_model_file(filepath: Any) -> kformat.KerasArchive:
    """``kformat.read``, with a Windows-saved file's group names read as paths."""
    archive = read_any(filepath)
    if windows_group(archive.groups) is None:
        return archive
    return kformat.KerasArchive(
        config=archive.config,
        metadata=archive.metadata,
        weights={p.replace("\\", "/"): archive.weights[p] for p in archive.weights},
        groups={g.replace("\\", "/"): attrs for g, attrs in archive.groups.items()},
        assets=archive.assets,
        layout=archive.layout,
    )


def assign_weights(model: Any, legacy: LegacyModel) -> None:
    """Give every layer its legacy weights (Keras 2's ``layer.weights`` order:
    trainable, then non-trainable)."""
    for name, items in legacy.layer_weights.items():
        if not items:
            continue
        layer = model.get_layer(name)
        variables = layer.trainable_weights + layer.non_trainable_weights
        if len(variables) != len(items):
            raise InvalidArchiveError(
                f"layer {name!r} has {len(variables)} variables, the file {len(items)}",
                member="model_weights",
                path=f"/model_weights/{name}",
                code="KF420",
            )
        for var, (wname, arr) in zip(variables, items, strict=True):
            if tuple(var.shape) != tuple(arr.shape):
                raise InvalidArchiveError(
                    f"weight {wname!r} has shape {tuple(arr.shape)}, the layer expects "
                    f"{tuple(var.shape)}",
                    member="model_weights",
                    path=f"/model_weights/{name}/{wname}",
                    code="KF422",
                )
            var.assign(np.asarray(arr))
