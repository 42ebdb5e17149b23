"""NumPy helpers shared by the runtime: dtypes, Keras masks and nested structures.

Masks follow ``keras-team/keras: keras/src/backend/common/masking.py``: a mask
is attached to the *array object* it describes (here through an ``id``-keyed
side table cleared by ``weakref.finalize``, as Keras does for tensors that do
not take attributes), so ``Embedding(mask_zero=True)(x)`` hands its mask to the
next layer without the caller passing it around.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

try:  # ml_dtypes is optional for the runtime; kformat reads bfloat16 with it.
    import ml_dtypes

    BFLOAT16: np.dtype[Any] | None = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - exercised only without ml_dtypes
    BFLOAT16 = None

__all__ = [
    "BFLOAT16",
    "any_symbolic",
    "as_dtype",
    "cast",
    "flatten",
    "get_keras_mask",
    "is_float_dtype",
    "map_structure",
    "pack_like",
    "set_keras_mask",
    "standardize_dtype",
]

FloatX = "float32"


_ALIASES = {"float": "float32", "double": "float64", "int": "int32", "half": "float16"}
# dtype object -> name; numpy's dtype.name is slow enough to show in per-call cost.
_NAMES: dict[Any, str] = {}


def standardize_dtype(dtype: Any) -> str:
    """Keras dtype name of ``dtype`` (``np.float32`` -> ``"float32"``)."""
    if dtype is None:
        return FloatX
    if isinstance(dtype, str):
        return _ALIASES.get(dtype, dtype)
    try:
        return _NAMES[dtype]
    except (KeyError, TypeError):
        pass
    name = getattr(dtype, "name", None) or str(np.dtype(dtype))
    name = _ALIASES.get(name, name)
    with contextlib.suppress(TypeError):  # unhashable: just don't cache it
        _NAMES[dtype] = name
    return name


def as_dtype(name: str) -> np.dtype[Any]:
    """NumPy dtype for a Keras dtype name; bfloat16 needs ml_dtypes."""
    name = standardize_dtype(name)
    if name == "bfloat16":
        if BFLOAT16 is None:
            from kformat.errors import UnsupportedFeatureError

            raise UnsupportedFeatureError("bfloat16 needs the ml_dtypes package")
        return BFLOAT16
    if name == "string":
        return np.dtype(object)
    return np.dtype(name)


def is_float_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is a floating dtype (bfloat16 included)."""
    name = standardize_dtype(dtype)
    return name.startswith("float") or name == "bfloat16"


def cast(x: Any, dtype: str | np.dtype[Any]) -> np.ndarray[Any, Any]:
    """``x`` as an array of ``dtype`` (no copy when it already is)."""
    target = as_dtype(dtype) if isinstance(dtype, str) else dtype
    arr = np.asarray(x)
    return arr if arr.dtype == target else arr.astype(target)


# -- masks -----------------------------------------------------------------

_MASKS: dict[int, Any] = {}


def _forget(key: int) -> None:
    _MASKS.pop(key, None)


def set_keras_mask(x: Any, mask: Any) -> None:
    """Attach (or with ``None`` clear) the Keras mask of array ``x``."""
    key = id(x)
    if mask is None:
        _MASKS.pop(key, None)
        return
    if key not in _MASKS:
        try:
            weakref.finalize(x, _forget, key)
        except TypeError:
            return  # not weak-referenceable (a Python scalar): nothing to attach to
    _MASKS[key] = mask


def get_keras_mask(x: Any) -> Any:
    """The mask attached to ``x`` by :func:`set_keras_mask`, or ``None``."""
    if x is None:
        return None
    return _MASKS.get(id(x))


# -- nested structures (lists, tuples, dicts of leaves) -------------------------


def flatten(structure: Any) -> list[Any]:
    """Leaves of nested lists/tuples/dicts; dict values in sorted key order,
    as ``keras.tree`` (optree) flattens them."""
    return list(_iter_leaves(structure))


def _iter_leaves(structure: Any) -> Iterator[Any]:
    if isinstance(structure, (list, tuple)):
        for item in structure:
            yield from _iter_leaves(item)
    elif isinstance(structure, dict):
        for key in sorted(structure):
            yield from _iter_leaves(structure[key])
    else:
        yield structure


def map_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    """Apply ``fn`` to every leaf, keeping the nesting."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        mapped = {k: map_structure(fn, structure[k]) for k in sorted(structure)}
        return {k: mapped[k] for k in structure}  # sorted visiting, original key order
    return fn(structure)


def pack_like(structure: Any, leaves: list[Any]) -> Any:
    """Rebuild ``structure`` with ``leaves`` in :func:`flatten` order."""
    it = iter(leaves)
    return map_structure(lambda _: next(it), structure)


def any_symbolic(*structures: Any) -> bool:
    """Whether any leaf is a symbolic :class:`~reference_runtime._tensor.KerasTensor`."""
    from reference_runtime._tensor import KerasTensor

    return any(isinstance(leaf, KerasTensor) for s in structures for leaf in flatten(s))
