"""``migrate(check=True)``: the original and the migrated file run side by side.

Both files are loaded with ``reference_runtime`` — the original through its
own Keras 2 path (Keras 2 meanings, ``_layer_checkpoint_dependencies``,
legacy HDF5 weights assigned layer by layer as Keras 2 does), the migrated one
as a Keras 3 file — and called on the same generated inputs. The runtime is
imported here, on first use only: the core never depends on it.
"""

from __future__ import annotations

import importlib
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from kformat.errors import UnsupportedFeatureError

__all__ = ["RTOL", "compare", "generated_inputs", "runtime"]

#: Outputs must agree to this relative tolerance (and ``ATOL`` absolute).
RTOL = 1e-5
ATOL = 1e-6
_BATCH = 2


def runtime() -> Any:
    """The ``reference_runtime`` package, or an ImportError that says what to install."""
    # The one place the core reaches the runtime, and only when a caller asks for
    # --check: by name at call time, so importing kformat never loads it (the
    # import-graph tests hold every import statement of the core to that).
    try:
        return importlib.import_module("reference_runtime")
    except ImportError as exc:  # pragma: no cover - the runtime ships with kformat
        raise ImportError(
            "--check runs both files with reference_runtime, which is not importable here; "
            "install kformat with its reference runtime or migrate without --check"
        ) from exc


def generated_inputs(model: Any, seed: int) -> list[np.ndarray[Any, Any]]:
    """Deterministic inputs for every model input: normal floats, small
    non-negative integers for integer inputs (token ids, indices)."""
    rng = np.random.default_rng(seed)
    out = []
    for tensor in model.inputs:
        shape = tuple(_BATCH if d is None else int(d) for d in tensor.shape)
        shape = tuple(s if i else _BATCH for i, s in enumerate(shape))
        dtype = np.dtype(str(tensor.dtype))
        if dtype.kind in "iu":
            out.append(rng.integers(0, 4, size=shape).astype(dtype))
        elif dtype.kind == "b":
            out.append(rng.integers(0, 2, size=shape).astype(bool))
        else:
            out.append(rng.standard_normal(shape).astype(dtype))
    return out


def _flat(result: Any) -> list[np.ndarray[Any, Any]]:
    if isinstance(result, dict):
        return [np.asarray(result[k]) for k in sorted(result)]
    if isinstance(result, (list, tuple)):
        return [a for r in result for a in _flat(r)]
    return [np.asarray(result)]


def compare(original: Path, migrated: Path) -> tuple[float, int]:
    """Run both files on the same inputs.

    Returns:
        ``(max abs diff, number of outputs)``.

    Raises:
        UnsupportedFeatureError: the outputs differ beyond ``RTOL``/``ATOL``, or
            differ in number or shape.
    """
    rr = runtime()
    before = rr.saving.load_model(original, compile=False)
    after = rr.saving.load_model(migrated, compile=False)
    inputs = generated_inputs(before, zlib.crc32(original.name.encode()))
    feed: Any = inputs[0] if len(inputs) == 1 else inputs
    a = _flat(before(feed))
    b = _flat(after(feed))
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b, strict=False)):
        raise UnsupportedFeatureError(
            f"the migrated model returns {[y.shape for y in b]}, the original "
            f"{[x.shape for x in a]}; nothing was written",
            code="KF314",
        )
    diff = 0.0
    for x, y in zip(a, b, strict=True):
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        diff = max(diff, float(np.max(np.abs(x64 - y64))) if x.size else 0.0)
        if not np.allclose(y64, x64, rtol=RTOL, atol=ATOL):
            raise UnsupportedFeatureError(
                f"the migrated model's outputs differ from the original's (max abs diff "
                f"{float(np.max(np.abs(x64 - y64))):.3g}, above rtol={RTOL}); nothing was written",
                code="KF314",
            )
    return diff, len(a)
