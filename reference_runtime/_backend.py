"""NumPy helpers shared by the runtime: dtypes, automatic names, Keras masks and nested structures.

Masks follow ``keras-team/keras: keras/src/backend/common/masking.py``: a mask
travels with the value it describes, as ``_keras_mask`` on a
:class:`KerasArray` (an ``ndarray`` subclass), so ``Embedding(mask_zero=True)(x)``
hands its mask to the next layer without the caller passing it around, and no
table outside the values remembers masks.
"""

from __future__ import annotations

import contextlib
import threading
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
    "KerasArray",
    "as_dtype",
    "auto_name",
    "carry_masks",
    "cast",
    "clear_session",
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


# -- automatic names -----------------------------------------------------------

# keras/src/backend/common/global_state.py keeps its state per thread
# (threading.local), and keras/src/utils/naming.py uniquify() counts names
# there; one table serves layers and KerasTensors alike.
_STATE = threading.local()


def auto_name(prefix: str) -> str:
    """``prefix`` the first time in this session, then ``prefix_1``, ``prefix_2``, ...

    As ``keras.src.utils.naming.uniquify``: counts are per thread and restart
    with :func:`clear_session`.
    """
    uids: dict[str, int] | None = getattr(_STATE, "name_uids", None)
    if uids is None:
        uids = _STATE.name_uids = {}
    n = uids.get(prefix, 0)
    uids[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


def clear_session() -> None:
    """Restart automatic names (``dense``, ``dense_1``, ...) in this thread, as
    ``keras.utils.clear_session()`` does (``keras/src/backend/common/global_state.py``)."""
    _STATE.name_uids = {}


# -- masks -----------------------------------------------------------------


class KerasArray(np.ndarray):
    """A NumPy array that carries its Keras mask, as a TensorFlow tensor carries
    ``_keras_mask`` (``keras-team/keras: keras/src/backend/common/masking.py``).

    The mask belongs to this one object: views, copies and the results of
    NumPy operations on it are plain arrays without a mask, so a mask never
    outlives or wanders away from the value it describes.
    """

    _keras_mask: Any = None

    def __array_finalize__(self, obj: Any) -> None:
        self._keras_mask = None  # a view or copy does not inherit the mask

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # Arithmetic on a masked value yields a plain array, as Keras ops on a
        # masked tensor yield tensors without ``_keras_mask``.
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_plain(o) for o in out)
        return getattr(ufunc, method)(*(_plain(x) for x in inputs), **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return func(*_strip(args), **_strip(kwargs))


def _plain(x: Any) -> Any:
    return x.view(np.ndarray) if isinstance(x, KerasArray) else x


def _strip(value: Any) -> Any:
    if isinstance(value, KerasArray):
        return value.view(np.ndarray)
    if isinstance(value, (list, tuple)):
        return type(value)(_strip(v) for v in value)
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    return value


def set_keras_mask(x: Any, mask: Any) -> Any:
    """``x`` carrying ``mask``: use the returned value.

    A :class:`KerasArray` gets the mask in place (``None`` clears it), as Keras
    sets ``tensor._keras_mask``; any other array comes back as a
    :class:`KerasArray` view of the same data with the mask, the original left
    untouched. A value that is not an array (``None``, a Python number) is
    returned as it is, without a mask.
    """
    if isinstance(x, KerasArray):
        x._keras_mask = mask
        return x
    if mask is None or not isinstance(x, (np.ndarray, np.generic)):
        return x
    carrier = np.asarray(x).view(KerasArray)
    carrier._keras_mask = mask
    return carrier


def get_keras_mask(x: Any) -> Any:
    """The mask ``x`` carries (see :func:`set_keras_mask`), or ``None``."""
    return getattr(x, "_keras_mask", None) if isinstance(x, KerasArray) else None


def carry_masks(outputs: Any, compute: Callable[[], Any]) -> Any:
    """``outputs`` whose leaves without a mask carry the matching leaf of
    ``compute()``, called only when some leaf lacks one
    (``keras/src/layers/layer.py`` ``Layer._set_mask_metadata``)."""
    if not isinstance(outputs, (list, tuple, dict)):  # one output: no structure walks
        if get_keras_mask(outputs) is not None:
            return outputs
        masks = compute()
        if isinstance(masks, (list, tuple, dict)):
            masks = next(iter(flatten(masks)), None)
        return set_keras_mask(outputs, masks) if masks is not None else outputs
    flat = flatten(outputs)
    if all(get_keras_mask(x) is not None for x in flat):
        return outputs
    masks = compute()
    if masks is None:
        return outputs
    carried = list(flat)
    for i, (out, mask) in enumerate(zip(flat, flatten(masks), strict=False)):
        if get_keras_mask(out) is None and mask is not None:
            carried[i] = set_keras_mask(out, mask)
    return pack_like(outputs, carried)


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
