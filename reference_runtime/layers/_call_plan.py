"""``Layer.__call__``'s per-layer call plan (``keras/src/layers/layer.py`` ``__call__``).

What ``__call__`` decides for one unmasked array argument from the layer alone
(which keyword arguments ``call`` takes, whether ``mask=None`` is filled in,
the input dtype that needs no conversion, whether an autocast scope is needed,
whether ``compute_mask`` can attach a mask) is worked out once per layer and
kept while the key (class, dtype policy, ``autocast``, ``supports_masking``)
stays the same; the general path decides the same things on every call.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from reference_runtime._backend import as_dtype

if TYPE_CHECKING:
    from reference_runtime.layers.layer import Layer

__all__ = ["CallPlan", "make_plan"]

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class CallPlan(NamedTuple):
    """``Layer.__call__``'s per-layer decisions for one unmasked array argument."""

    key: tuple[Any, ...]  # what the decisions depend on (checked per call)
    single: bool  # ``call(x)`` / ``call(x, training=...)`` binds: the planned path applies
    takes_training: bool  # ``training`` is a parameter of ``call`` (else it is dropped)
    takes_mask: bool  # ``mask`` is a parameter: the general path passes ``mask=None``
    input_dtype: np.dtype[Any] | None  # an input of this dtype needs no conversion
    direct: bool  # outside any autocast scope, ``call`` runs without opening one
    mask_metadata: bool  # ``compute_mask`` may attach a mask to the outputs


def make_plan(layer: Layer, key: tuple[Any, ...]) -> CallPlan:
    """``layer``'s plan, from its ``call`` signature, dtype policy and mask logic."""
    signature, names = layer._call_signature()
    takes_training = "training" in signature.parameters
    takes_mask = "mask" in names
    probe: dict[str, Any] = {}
    if takes_training:
        probe["training"] = None
    if takes_mask:
        probe["mask"] = None
    try:
        signature.bind(object(), **probe)
        first = signature.parameters[names[0]] if names else None
        # A ``*args`` first parameter binds a tuple: the general path's business.
        single = first is not None and first.name != "mask" and first.kind in _POSITIONAL
    except TypeError:
        single = False  # the general path raises binding's own error
    # _convert_input leaves an array of the compute dtype as it is (a float of
    # another dtype is cast when autocasting; other dtypes are never cast).
    try:
        input_dtype: np.dtype[Any] | None = as_dtype(layer.compute_dtype)
    except Exception:  # bfloat16 without ml_dtypes: the general conversion reports it
        input_dtype = None
    return CallPlan(
        key=key,
        single=single,
        takes_training=takes_training,
        takes_mask=takes_mask,
        input_dtype=input_dtype,
        direct=layer.compute_dtype == layer.variable_dtype,
        mask_metadata=bool(layer.supports_masking) and not layer._mask_passes_through(),
    )
