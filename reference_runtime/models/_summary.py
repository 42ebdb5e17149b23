"""``Model.summary()`` (``keras/src/utils/summary_utils.py``): layers, output shapes, parameter counts.

Counts match Keras: each layer's ``count_params()``; totals over the model's
unique weights, split into trainable / non-trainable, with sizes from each
weight's dtype (``weight_memory_size``, 1024-based units).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from kformat._display import clean
from reference_runtime._backend import as_dtype, flatten

__all__ = ["format_size", "print_summary"]


def format_size(nbytes: float) -> str:
    """``readable_memory_size``: ``"199.79 KB"``."""
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    i = 0
    while nbytes >= 1024 and i < len(units) - 1:
        nbytes /= 1024
        i += 1
    return f"{nbytes:.2f} {units[i]}"


def _bytes(weights: list[Any]) -> int:
    return int(sum(int(np.prod(w.shape)) * as_dtype(w.dtype).itemsize for w in weights))


def _count(weights: list[Any]) -> int:
    return int(sum(int(np.prod(w.shape)) for w in weights))


def _output_shape(layer: Any) -> str:
    nodes = getattr(layer, "_inbound_nodes", [])
    if not nodes:
        return "?"
    shapes = [t.shape for t in flatten(nodes[-1].outputs) if hasattr(t, "shape")]
    if len(shapes) == 1:
        return str(tuple(shapes[0]))
    return str([tuple(s) for s in shapes])


def print_summary(
    model: Any,
    line_length: int | None = None,
    print_fn: Callable[..., Any] | None = None,
    show_trainable: bool = False,
) -> None:
    """Print the summary table of ``model``."""
    emit = print_fn or print
    width = line_length or 98
    cols = [int(width * 0.45), int(width * 0.33), width - int(width * 0.45) - int(width * 0.33)]
    rows = [("Layer (type)", "Output Shape", "Param #")]
    layers = model.layers
    for layer in layers:
        rows.append(
            (
                # Names come from the file: escaped like every report (spec §11.3).
                f"{clean(str(layer.name))} ({type(layer).__name__})",
                _output_shape(layer),
                f"{layer.count_params():,}",
            )
        )

    def line(cells: tuple[str, str, str]) -> str:
        return "".join(
            c[: w - 1].ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, cols, strict=True))
        )

    emit(f'Model: "{clean(str(model.name))}"')
    emit("_" * width)
    emit(line(rows[0]))
    emit("=" * width)
    for row in rows[1:]:
        emit(line(row))
        emit("_" * width if row is not rows[-1] else "=" * width)
    weights = model.weights
    trainable = model.trainable_weights
    trainable_ids = {id(w) for w in trainable}
    non_trainable = [w for w in weights if id(w) not in trainable_ids]
    emit(f" Total params: {_count(weights):,} ({format_size(_bytes(weights))})")
    emit(f" Trainable params: {_count(trainable):,} ({format_size(_bytes(trainable))})")
    emit(f" Non-trainable params: {_count(non_trainable):,} ({format_size(_bytes(non_trainable))})")
    optimizer = getattr(model, "optimizer", None)
    state = getattr(optimizer, "saved_state", None) if optimizer is not None else None
    if state:
        arrays = [a for a in state[0].values()]
        n = int(sum(int(np.prod(a.shape)) for a in arrays))
        size = int(sum(a.nbytes for a in arrays))
        emit(f" Optimizer params: {n:,} ({format_size(size)})")
