"""Deterministic benchmark models, generated (never committed) with kformat only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import kformat
from benchmarks._util import CACHE


def dense_stack_config(width: int, depth: int) -> dict[str, Any]:
    """The config.json Keras 3.15 writes for a Sequential of ``depth`` Dense(width, relu)
    layers on a (None, width) input; the layers are named ``dense``, ``dense_1``, ..."""
    dtype = {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": "float32"},
        "registered_name": None,
    }
    layers: list[dict[str, Any]] = [
        {
            "module": "keras.layers",
            "class_name": "InputLayer",
            "config": {
                "batch_shape": [None, width],
                "dtype": "float32",
                "sparse": False,
                "ragged": False,
                "name": "input_layer",
                "optional": False,
            },
            "registered_name": None,
        }
    ]
    for i in range(depth):
        layers.append(
            {
                "module": "keras.layers",
                "class_name": "Dense",
                "config": {
                    "name": _dense_name(i),
                    "trainable": True,
                    "dtype": dtype,
                    "units": width,
                    "activation": "relu",
                    "use_bias": True,
                },
                "registered_name": None,
                "build_config": {"input_shape": [None, width]},
            }
        )
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "trainable": True,
            "dtype": dtype,
            "layers": layers,
            "build_input_shape": [None, width],
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, width]},
    }


def _dense_name(i: int) -> str:
    return "dense" if i == 0 else f"dense_{i}"


def dense_stack_archive(
    total_mb: float, width: int = 2048, *, depth: int | None = None
) -> kformat.KerasArchive:
    """A Keras-3.15-style Sequential of Dense(width) layers of about ``total_mb`` MB
    (or exactly ``depth`` layers)."""
    per_layer = (width * width + width) * 4
    if depth is None:
        depth = max(1, round(total_mb * 1e6 / per_layer))
    rng = np.random.default_rng(0)
    weights: dict[str, np.ndarray[Any, Any]] = {}
    groups: dict[str, dict[str, Any]] = {"/vars": {"name": "sequential"}}
    for i in range(depth):
        name = _dense_name(i)
        scale = np.float32(1.0 / np.sqrt(width))
        weights[f"/layers/{name}/vars/0"] = (
            rng.standard_normal((width, width), dtype=np.float32) * scale
        )
        weights[f"/layers/{name}/vars/1"] = np.zeros(width, np.float32)
        groups[f"/layers/{name}/vars"] = {"name": name}
    config = dense_stack_config(width, depth)
    meta = {"keras_version": kformat.KERAS_VERSION, "date_saved": "2026-01-01@00:00:00"}
    return kformat.KerasArchive(config, meta, weights, groups)


def dense_stack_file(total_mb: int) -> Path:
    """Path of the cached ``.keras`` file for ``total_mb`` (generated on first use)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"dense_stack_{total_mb}mb.keras"
    if not path.exists():
        kformat.write(dense_stack_archive(total_mb), path)
    return path


def many_layers_file(depth: int) -> Path:
    """Path of the cached ``.keras`` file of ``depth`` Dense(4) layers: a large config,
    thousands of HDF5 objects and almost no weight bytes."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"many_layers_{depth}.keras"
    if not path.exists():
        kformat.write(dense_stack_archive(0, width=4, depth=depth), path)
    return path
