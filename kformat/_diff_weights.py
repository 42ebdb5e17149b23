"""The weights half of ``kformat.diff``: arrays matched by owning layer, compared in chunks.

Weights are matched by owning layer and path below it (not by HDF5 path, which
shifts when a layer of the same class is added before it, spec §6.5); weights
no layer owns (optimizer, metrics) and every weight of a weights-only file by
HDF5 path. Values are compared 1 Mi elements at a time from the mapped files,
so two multi-GB files are never held in memory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kformat._archive import KerasArchive
from kformat._info import natural_key
from kformat._inspect import _generation, _owners

__all__ = ["WeightChange", "compare_weights"]


@dataclasses.dataclass(frozen=True)
class WeightChange:
    """One array that differs.

    ``kind``: ``added``, ``removed``, ``shape``, ``dtype`` or ``values``;
    ``max_abs``/``max_rel`` are the largest absolute and relative (to the old
    value) differences for ``values``.
    """

    kind: str
    path: str
    new_path: str | None
    layer: str | None
    old_shape: tuple[int, ...] | None = None
    new_shape: tuple[int, ...] | None = None
    old_dtype: str | None = None
    new_dtype: str | None = None
    max_abs: float | None = None
    max_rel: float | None = None


def _keys(
    archive: KerasArchive, config: Mapping[str, Any] | None, by_layer: bool
) -> dict[tuple[str, str], str]:
    """(owning layer, path below it) -> HDF5 path, layers named as in ``config`` (the
    new file's config with the renames undone, so both sides use the old names);
    unowned weights, and all of them when a side has no config (``by_layer``
    false), keyed ("", path). Object paths follow class names and order, not
    layer names (spec §6.5), so the undone config gives the file's own paths."""
    owners = _owners(config or {}, _generation(archive)) if by_layer else []
    out = {}
    for path in archive.weights:
        key = ("", path)
        for prefix, name in owners:
            if path.startswith(prefix + "/"):
                key = (name, path[len(prefix) :])
                break
        out[key] = path
    return out


def compare_weights(
    a: KerasArchive,
    b: KerasArchive,
    undone: Mapping[str, Any],
    tolerance: float,
    progress: Callable[[int], None] | None,
) -> tuple[list[WeightChange], int]:
    by_layer = a.config is not None and b.config is not None
    keys_a, keys_b = _keys(a, a.config, by_layer), _keys(b, undone, by_layer)
    out: list[WeightChange] = []
    equal = 0
    done = 0
    for key, path in sorted(keys_a.items(), key=lambda kv: natural_key(kv[1])):
        layer = key[0] or None
        if key not in keys_b:
            arr = a.weights[path]
            out.append(
                WeightChange(
                    "removed",
                    path,
                    None,
                    layer,
                    old_shape=tuple(arr.shape),
                    old_dtype=str(arr.dtype),
                )
            )
            continue
        path_b = keys_b[key]
        x, y = a.weights[path], b.weights[path_b]
        moved = path_b if path_b != path else None
        base = WeightChange(
            "shape",
            path,
            moved,
            layer,
            old_shape=tuple(x.shape),
            new_shape=tuple(y.shape),
            old_dtype=str(x.dtype),
            new_dtype=str(y.dtype),
        )
        if x.shape != y.shape:
            out.append(base)
        elif x.dtype != y.dtype:
            out.append(dataclasses.replace(base, kind="dtype"))
        else:
            delta = _delta(x, y)
            if delta is None or delta[0] <= tolerance:
                equal += 1
            else:
                out.append(
                    dataclasses.replace(base, kind="values", max_abs=delta[0], max_rel=delta[1])
                )
        done += int(x.nbytes)
        if progress is not None:
            progress(done)
    for key, path in sorted(keys_b.items(), key=lambda kv: natural_key(kv[1])):
        if key not in keys_a:
            arr = b.weights[path]
            out.append(
                WeightChange(
                    "added",
                    path,
                    path,
                    key[0] or None,
                    new_shape=tuple(arr.shape),
                    new_dtype=str(arr.dtype),
                )
            )
    return out, equal


_STEP = 1 << 20


def _delta(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> tuple[float, float] | None:
    """None when the bytes are equal, else (max |x-y|, max |x-y| / |x|)."""
    fx, fy = x.reshape(-1), y.reshape(-1)
    worst_abs = worst_rel = 0.0
    differs = False
    for start in range(0, fx.size, _STEP):
        cx, cy = fx[start : start + _STEP], fy[start : start + _STEP]
        if cx.tobytes() == cy.tobytes():
            continue
        differs = True
        try:
            vx, vy = cx.astype(np.float64), cy.astype(np.float64)
        except (TypeError, ValueError):  # strings, opaque: only "differs" is known
            worst_abs = worst_rel = float("inf")
            continue
        with np.errstate(all="ignore"):
            d = np.abs(vx - vy)
            both_nan = np.isnan(vx) & np.isnan(vy)
            d = np.where(both_nan, 0.0, d)
            rel = np.where(d == 0, 0.0, d / np.maximum(np.abs(vx), np.finfo(np.float64).tiny))
        worst_abs = max(worst_abs, float(np.nanmax(np.where(np.isnan(d), np.inf, d))))
        worst_rel = max(worst_rel, float(np.nanmax(np.where(np.isnan(rel), np.inf, rel))))
    return (worst_abs, worst_rel) if differs else None
