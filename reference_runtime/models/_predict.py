"""``Model.predict``: the model over its inputs in chunks (``keras/src/trainers/trainer.py``).

Keras runs ``predict`` one ``batch_size`` batch (default 32) at a time. At
inference every built-in layer computes each row of the batch on its own, so
the rows of the result do not depend on how the input is cut; here the input
is cut for throughput instead: chunks hold as many rows as keep the largest
activation of one chunk near :data:`CHUNK_BYTES` (the per-call cost of a
small model is then paid once per thousand rows rather than once per 32),
never fewer rows than ``batch_size`` and always a multiple of it.

Results agree with a batch-by-batch run within float rounding, not always bit
for bit: BLAS picks its GEMM kernel (and blocking) from the matrix sizes, so
the last bits of a matmul may differ between a 32-row and a 1024-row chunk.

``batch_size`` still sets the steps ``verbose`` counts, as Keras' progress
bar counts them: ``ceil(rows / batch_size)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reference_runtime._backend import as_dtype, flatten, pack_like
from reference_runtime._tensor import KerasTensor
from reference_runtime.models._progbar import Progbar, resolve_verbose

__all__ = ["CHUNK_BYTES", "MAX_CHUNK_ROWS", "chunk_rows", "predict_in_chunks"]

#: The largest activation (one node output) of one chunk stays within this.
#: 128 KiB keeps a chunk's activations in a core's L2 cache and its GEMMs
#: under the sizes where OpenBLAS starts threads (which on a busy machine
#: cost more than they save for a small model).
CHUNK_BYTES = 128 * 1024
#: No chunk holds more rows than this (small models: the per-call cost is
#: already amortised; more rows only grow the buffers).
MAX_CHUNK_ROWS = 1024


def _row_bytes(model: Any) -> int | None:
    """Bytes of the largest node output per row (nested models' nodes included),
    from the graph's symbolic shapes; ``None`` when some size is not known
    before the call (a free sequence length, a subclassed model)."""
    graph = getattr(model, "_functional", None) or model
    nodes = getattr(graph, "_nodes_by_depth", None)
    if nodes is None:
        return None
    largest = 0
    for group in nodes.values():
        for node in group:
            if node.operation is not model and hasattr(node.operation, "predict"):
                inner = _row_bytes(node.operation)  # a nested model's own activations
                if inner is None:
                    return None
                largest = max(largest, inner)
            for t in flatten(node.outputs):
                if not isinstance(t, KerasTensor):
                    return None
                shape = [d for d in tuple(t.shape)[1:] if d is not None]
                if len(shape) != len(t.shape) - 1:
                    return None
                try:
                    itemsize = as_dtype(t.dtype).itemsize
                except Exception:  # a dtype NumPy cannot hold here: sized as 8 bytes
                    itemsize = 8
                largest = max(largest, math.prod(shape) * itemsize)
    return largest


def chunk_rows(model: Any, step: int) -> int:
    """Rows per model call: a multiple of ``step`` (at least ``step``) whose
    largest activation stays near :data:`CHUNK_BYTES` (one walk of the graph
    per ``predict``)."""
    per_row = _row_bytes(model)
    if per_row is None or per_row <= 0:
        return step
    rows = min(MAX_CHUNK_ROWS, CHUNK_BYTES // per_row)
    return max(step, rows - rows % step)


def predict_in_chunks(model: Any, x: Any, leaves: list[Any], step: int, verbose: Any) -> Any:
    """``model`` over the rows of ``leaves`` (the flattened ``x``), joined."""
    arrays = [np.asarray(leaf) for leaf in leaves]
    total = int(np.shape(arrays[0])[0])
    rows = chunk_rows(model, step)
    level = resolve_verbose(verbose)
    bar = Progbar(math.ceil(total / step), verbose=level) if level and total else None
    parts: list[list[np.ndarray[Any, Any]]] = []
    structure: Any = None
    for start in range(0, total, rows):
        end = min(start + rows, total)
        out = model(pack_like(x, [a[start:end] for a in arrays]))
        structure = out
        parts.append([np.asarray(o) for o in flatten(out)])
        if bar is not None:
            bar.update(math.ceil(end / step), finalize=False)
    if bar is not None:
        bar.update(bar.target, finalize=True)
    if structure is None:
        return model(x)
    joined = [np.concatenate([p[i] for p in parts], axis=0) for i in range(len(parts[0]))]
    return pack_like(structure, joined)
