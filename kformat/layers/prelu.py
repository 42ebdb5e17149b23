"""``PReLU`` (``keras/src/layers/activations/prelu.py``): ``max(x, 0) - alpha * max(-x, 0)``.

Variable: ``alpha`` over ``input_shape[1:]`` with each ``shared_axes`` dimension 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.layers import _checks as c
from kformat.layers._common import weight_fields
from kformat.layers._def import InputShape, LayerDef, VariableSpec, f, single

__all__ = ["DEFINITIONS", "PRELU"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = list(single(input_shape)[1:])
    shared = config.get("shared_axes") or []
    for axis in [shared] if isinstance(shared, int) else shared:
        shape[axis - 1] = 1
    return (VariableSpec("alpha", tuple(shape)),)


PRELU = LayerDef(
    class_name="PReLU",
    source="keras/src/layers/activations/prelu.py",
    fields={
        **weight_fields("alpha", initializers={"alpha": "Zeros"}),
        "shared_axes": f(c.opt(c.AXES), note="same keys in tf_keras"),
    },
    call=None,
    tf_call=None,
    variables=_variables,
    summary="parametric ReLU",
    variables_doc="`alpha`: `input_shape[1:]` with each `shared_axes` dimension set to `1`",
)

DEFINITIONS = (PRELU,)
