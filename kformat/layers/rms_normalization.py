"""``RMSNormalization`` (``keras/src/layers/normalization/rms_normalization.py``, Keras 3.9+).

Variable: ``scale``, ``tuple(input_shape[a] for a in axis)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kformat.layers import _checks as c
from kformat.layers._def import InputShape, LayerDef, VariableSpec, dim, f, single

__all__ = ["DEFINITIONS", "RMS_NORMALIZATION"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = single(input_shape)
    axis = config.get("axis", -1)
    axes = sorted(axis) if isinstance(axis, Sequence) else [axis]
    return (VariableSpec("scale", tuple(dim(shape, a) for a in axes)),)


RMS_NORMALIZATION = LayerDef(
    class_name="RMSNormalization",
    source="keras/src/layers/normalization/rms_normalization.py",
    fields={"axis": f(c.AXES, -1), "epsilon": f(c.num(0.0, open_lo=True), 1e-06)},
    call=None,
    tf_call=None,
    variables=_variables,
    summary="root-mean-square normalization (Keras 3.9+)",
    variables_doc="`scale`: `tuple(input_shape[a] for a in axis)`",
)

DEFINITIONS = (RMS_NORMALIZATION,)
