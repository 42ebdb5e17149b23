"""``LayerNormalization`` (``keras/src/layers/normalization/layer_normalization.py``).

Variables: ``gamma`` (if ``scale`` or ``rms_scaling``), ``beta`` (if ``center``
and not ``rms_scaling``), each ``tuple(input_shape[a] for a in sorted(axis))``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kformat.layers import _checks as c
from kformat.layers._common import weight_fields
from kformat.layers._def import InputShape, LayerDef, VariableSpec, dim, f, single

__all__ = ["DEFINITIONS", "LAYER_NORMALIZATION"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = single(input_shape)
    axis = config.get("axis", -1)
    axes = sorted(axis) if isinstance(axis, Sequence) else [axis]
    param = tuple(dim(shape, a) for a in axes)
    rms = bool(config.get("rms_scaling", False))
    out = []
    if config.get("scale", True) or rms:
        out.append(VariableSpec("gamma", param))
    if config.get("center", True) and not rms:
        out.append(VariableSpec("beta", param))
    return tuple(out)


LAYER_NORMALIZATION = LayerDef(
    class_name="LayerNormalization",
    source="keras/src/layers/normalization/layer_normalization.py",
    fields={
        "axis": f(c.AXES, -1, note="Keras 3 writes a list after `build`"),
        "epsilon": f(c.num(0.0, open_lo=True), 0.001),
        "center": f(c.BOOL, True),
        "scale": f(c.BOOL, True),
        "rms_scaling": f(
            c.BOOL, False, note="Keras 3 (deprecated; when `true` there is no `beta`)"
        ),
        **weight_fields("beta", "gamma", initializers={"beta": "zeros", "gamma": "ones"}),
    },
    call=None,
    tf_call=None,
    variables=_variables,
    summary="normalization over the feature axes",
    variables_doc="`gamma` (if `scale` or `rms_scaling`), `beta` (if `center` and not "
    "`rms_scaling`); each `tuple(input_shape[a] for a in sorted(axis))`",
)

DEFINITIONS = (LAYER_NORMALIZATION,)
