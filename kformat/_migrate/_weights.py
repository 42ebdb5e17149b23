"""Weights moved from the paths one generation writes to the paths another reads (spec §6.5-§6.7).

Both configs give their object paths (:func:`kformat.weight_paths.object_paths`):
the source's in its writer's generation (``_layer_checkpoint_dependencies``,
private MHA attributes, Keras 2 counters), the target's in the generation it
is written for. Objects are matched by the chain of names from the model down
(``outer`` / ``inner_fn`` / ``dense``; sub-layers by their own names, ``query``),
never by position, so layers a migration removes (TensorFlow-op layers) or
inserts (the Rescaling of a hard_sigmoid) shift nothing. Each object's
``vars/0..n-1`` are copied in order.

Windows-saved tf.keras files name groups with backslashes
(``_layer_checkpoint_dependencies\\dense``: ``tf.io.gfile.join`` on Windows,
keras-team/keras#18528 upstream); :func:`unwindows` turns them back into paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat._migrate._hard_sigmoid import scaled_variables
from kformat._migrate._report import Notes
from kformat.errors import InvalidArchiveError
from kformat.weight_paths import Generation, ObjectPath, object_paths, vars_path

__all__ = ["has_backslash_groups", "move_weights", "unwindows"]

Arrays = dict[str, "np.ndarray[Any, Any]"]
# Keras 2 state Keras 3 never reads (spec §6.6, §6.9).
_STATE_ROOTS = ("/optimizer", "/metrics")


def has_backslash_groups(paths: Any) -> bool:
    """Whether any group or dataset name holds a backslash (a Windows-saved file)."""
    return any("\\" in p for p in paths)


def unwindows(path: str) -> str:
    """``/_layer_checkpoint_dependencies\\dense/vars/0`` -> ``/_layer_checkpoint_dependencies/dense/vars/0``."""
    return path.replace("\\", "/")


def _keys(paths: list[ObjectPath]) -> dict[tuple[str, ...], ObjectPath]:
    """Each object keyed by the names of the objects whose paths contain it."""
    by_path = {op.path: op for op in paths}
    out: dict[tuple[str, ...], ObjectPath] = {}
    for op in paths:
        chain: list[str] = []
        p = op.path
        while p:
            owner = by_path.get(p)
            if owner is not None:
                chain.append(owner.name)
            p = p.rpartition("/")[0]
        key = tuple(reversed(chain))
        out.setdefault(key, op)
    return out


def move_weights(
    source_config: Mapping[str, Any],
    source_generation: Generation,
    weights: Mapping[str, np.ndarray[Any, Any]],
    target_config: Mapping[str, Any],
    target_generation: Generation,
    scale: Mapping[int, float],
    notes: Notes,
) -> tuple[Arrays, dict[str, dict[str, Any]]]:
    """The weights and groups of the target file.

    Raises:
        InvalidArchiveError: weights the source file holds that belong to no
            object of the target (nothing is dropped silently).
    """
    source = _keys(object_paths(source_config, source_generation))
    target = object_paths(target_config, target_generation)
    by_group: dict[str, dict[int, str]] = {}
    for path in weights:
        group, _, name = path.rpartition("/")
        if name.isdigit():
            by_group.setdefault(group, {})[int(name)] = path
    used: set[str] = set()
    out: Arrays = {}
    groups: dict[str, dict[str, Any]] = {}
    for key, op in _keys(target).items():
        groups[op.vars] = {"name": op.name}
        old = source.get(key)
        if old is None:
            continue
        found: dict[int, str] = {}
        for candidate in (old.path, *old.aliases):
            found = by_group.get(vars_path(candidate), {})
            if found:
                break
        factor = scale.get(id(op.config))
        scaled = set(scaled_variables(op.class_name, len(found))) if factor else set()
        for i in range(len(found)):
            src = found.get(i)
            if src is None:
                raise InvalidArchiveError(
                    f"variable {i} of {op.name!r} is missing (datasets are not numbered 0..n-1)",
                    member="model.weights.h5",
                    path=vars_path(old.path),
                    code="KF420",
                )
            arr = _marked(np.asarray(weights[src]), notes)
            if i in scaled and factor is not None:
                arr = (arr.astype(np.float64) * factor).astype(arr.dtype)
            out[f"{op.vars}/{i}"] = arr
            used.add(src)
    left = sorted(p for p in weights if p not in used)
    state = [p for p in left if p.startswith(_STATE_ROOTS)]
    if any(p.startswith("/optimizer") for p in state):
        notes.drop(
            "optimizer state (Keras 2 stores no learning-rate variable, so Keras 3 cannot "
            "resume it; compile the migrated model again)"
        )
    if any(p.startswith("/metrics") for p in state):
        notes.drop("metric state (Keras 3 does not save metric variables)")
    stray = [p for p in left if not p.startswith(_STATE_ROOTS)]
    if stray:
        raise InvalidArchiveError(
            f"{len(stray)} dataset(s) belong to no layer of the migrated model, first {stray[0]!r}; "
            "the file's weights do not match its config",
            member="model.weights.h5",
            path=stray[0],
            code="KF423",
        )
    return out, groups


def _marked(arr: np.ndarray[Any, Any], notes: Notes) -> np.ndarray[Any, Any]:
    """tf.keras stores bfloat16 variables as unmarked 2-byte opaque data (spec KF418);
    Keras 3 reads bfloat16 only from datasets marked as such (``kformat.write``
    marks a bfloat16 array)."""
    if arr.dtype.kind == "V" and arr.dtype.itemsize == 2:
        import ml_dtypes

        notes.change("unmarked 2-byte opaque datasets (tf.keras bfloat16) -> bfloat16")
        return arr.view(ml_dtypes.bfloat16)
    return arr
