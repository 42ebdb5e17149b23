"""Checks of the arrays a model is called with, as Keras makes them.

Mirrors ``keras-team/keras: keras/src/layers/input_spec.py``
``assert_input_compatibility`` for a Functional model's input specs (one per
input: its shape with the batch axis free, ``allow_last_axis_squeeze``) and
``keras/src/models/functional.py`` ``_adjust_input_rank`` (one trailing unit
axis may be added or dropped; any other rank is refused). Every refusal is a
``ValueError`` naming the input, the expected and the found shape or dtype,
before NumPy can fail somewhere inside a layer with a message that names
neither (or, for a rank-1 array, silently compute a wrongly shaped result).

The specs are computed once per model; a call costs a dtype-kind lookup and
a tuple comparison per input.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_runtime._backend import as_dtype

__all__ = ["InputSpec", "adjust_input", "input_specs", "is_python_data"]

#: NumPy dtype kinds an input of each kind of model dtype accepts: numbers
#: and bools convert to a float or integer input (Keras casts them); text or
#: Python objects never do.
_NUMERIC = frozenset("biuf")


class InputSpec(NamedTuple):
    """What one model input accepts."""

    position: int
    name: str
    shape: tuple[int | None, ...]  # batch axis None
    dtype: np.dtype[Any]
    kinds: frozenset[str] | None  # None: any kind (text inputs)
    squeezed: tuple[int | None, ...]  # ``shape`` without a trailing 1
    ndim: int
    fixed: tuple[tuple[int, int], ...]  # (axis, size) of every axis the shape fixes


def input_specs(model: Any) -> list[InputSpec]:
    """The specs of ``model.inputs``, cached on the model."""
    cached = model.__dict__.get("_input_specs")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    specs = []
    for i, ref in enumerate(model.inputs):
        shape = tuple(ref.shape)
        if shape:
            shape = (None, *shape[1:])
        dtype = as_dtype(ref.dtype)
        kinds = _NUMERIC if dtype.kind in _NUMERIC else None
        squeezed = shape[:-1] if shape and shape[-1] == 1 else shape
        fixed = tuple((a, d) for a, d in enumerate(shape) if d is not None)
        specs.append(InputSpec(i, ref.name, shape, dtype, kinds, squeezed, len(shape), fixed))
    model.__dict__["_input_specs"] = specs
    return specs


def is_python_data(value: Any) -> bool:
    """A non-empty (nested) list or tuple of Python numbers: the data of one
    input, not a list of inputs."""
    return (
        isinstance(value, (list, tuple))
        and bool(value)
        and all(isinstance(v, (list, tuple, int, float, bool)) for v in value)
    )


def _fmt(shape: tuple[Any, ...]) -> str:
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def _refuse(spec: InputSpec, model_name: str, what: str) -> ValueError:
    return ValueError(
        f"Input {spec.position} with name {spec.name!r} of model {model_name!r} is incompatible "
        f"with the model: {what}"
    )


def adjust_input(x: Any, spec: InputSpec, model_name: str) -> np.ndarray[Any, Any]:
    """``x`` as an array of ``spec``'s rank and dtype, or a ``ValueError``."""
    # The common call: an array of the right dtype, rank and fixed sizes.
    if type(x) is np.ndarray and x.dtype == spec.dtype and x.ndim == spec.ndim:
        shape = x.shape
        for axis, size in spec.fixed:
            if shape[axis] != size:
                break
        else:
            return x
    return _adjust(x, spec, model_name)


def _adjust(x: Any, spec: InputSpec, model_name: str) -> np.ndarray[Any, Any]:
    if type(x) is np.ndarray:
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as exc:  # ragged nested lists
            raise _refuse(
                spec, model_name, f"expected an array of shape {_fmt(spec.shape)}, got {exc}"
            ) from exc
    if spec.kinds is not None and arr.dtype.kind not in spec.kinds:
        raise _refuse(
            spec,
            model_name,
            f"expected dtype={spec.dtype.name} (numbers), found dtype={arr.dtype} "
            f"with shape {_fmt(arr.shape)}",
        )
    shape = arr.shape
    ref = spec.shape
    if len(shape) != len(ref):
        # _adjust_input_rank: one trailing unit axis more or less is fine.
        if len(shape) == len(ref) + 1 and shape[-1] == 1:
            arr = np.squeeze(arr, -1)
        elif len(shape) == len(ref) - 1 and ref and ref[-1] == 1:
            arr = np.expand_dims(arr, -1)
        else:
            raise _refuse(
                spec,
                model_name,
                f"expected shape={_fmt(ref)}, found shape={_fmt(shape)} "
                f"(rank {len(shape)} where {len(ref)} is needed)",
            )
    # assert_input_compatibility: compare the axes the spec fixes, a trailing
    # unit axis squeezed on both sides (allow_last_axis_squeeze).
    found = shape[:-1] if shape and shape[-1] == 1 else shape
    for want, got in zip(spec.squeezed, found, strict=False):
        if want is not None and want != got:
            raise _refuse(
                spec, model_name, f"expected shape={_fmt(ref)}, found shape={_fmt(shape)}"
            )
    if arr.dtype != spec.dtype:
        arr = arr.astype(spec.dtype)
    return arr
