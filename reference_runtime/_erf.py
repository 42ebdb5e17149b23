"""The error function for GELU and the ``Erf`` operation, with or without scipy.

Keras's NumPy backend calls ``scipy.special.erf`` (``keras/src/backend/numpy/nn.py``
``gelu``); scipy is optional here, so a vectorized approximation stands in when it is
not installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["erf", "erf_numpy"]

try:  # scipy is optional; Keras's numpy backend uses scipy.special.erf
    from scipy.special import erf as _scipy_erf  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised in a subprocess test
    _scipy_erf = None

# Abramowitz & Stegun 7.1.26: |error| <= 1.5e-7 on erf, in float64 here; well
# inside float32 GELU tolerances, and vectorized (no per-element Python).
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf_numpy(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """erf without scipy, vectorized; returns the input's float dtype."""
    z = np.abs(np.asarray(x, dtype=np.float64))
    t = 1.0 / (1.0 + _AS_P * z)
    poly = t * (_AS_A[0] + t * (_AS_A[1] + t * (_AS_A[2] + t * (_AS_A[3] + t * _AS_A[4]))))
    y = 1.0 - poly * np.exp(-z * z)
    result: np.ndarray[Any, Any] = np.copysign(y, x).astype(np.asarray(x).dtype)
    return result


def erf(x: np.ndarray[Any, Any], out: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
    """erf of ``x`` (into ``out`` when given): scipy's when installed, as Keras's NumPy
    backend computes it, else :func:`erf_numpy`."""
    if _scipy_erf is not None:
        result: np.ndarray[Any, Any] = np.asarray(
            _scipy_erf(x, out=out) if out is not None else _scipy_erf(x)
        )
        return result
    values = erf_numpy(x)
    if out is not None:
        out[...] = values
        return out
    return values
