"""``BatchNormalization`` (``keras/src/layers/normalization/batch_normalization.py``).

Variables: ``gamma`` (if ``scale``), ``beta`` (if ``center``), ``moving_mean``,
``moving_variance``, then with ``renorm`` ``moving_stddev``, ``renorm_mean``,
``renorm_stddev``; each ``(input_shape[axis],)``. tf_keras multi-axis ``axis``
lists give a broadcastable full-rank shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.layers import _checks as c
from kformat.layers._common import weight_fields
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, dim, f, single

__all__ = ["BATCH_NORMALIZATION", "DEFINITIONS"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = single(input_shape)
    axis = config.get("axis", -1)
    if isinstance(axis, int):
        param: Shape = (dim(shape, axis),)
    elif len(axis) == 1:  # tf-keras stores a one-element list
        param = (dim(shape, axis[0]),)
    else:  # tf-keras multi-axis: a broadcastable full-rank shape
        norm = {a % len(shape) for a in axis}
        param = tuple(shape[i] if i in norm else 1 for i in range(len(shape)))
    out = []
    if config.get("scale", True):
        out.append(VariableSpec("gamma", param))
    if config.get("center", True):
        out.append(VariableSpec("beta", param))
    out += [
        VariableSpec("moving_mean", param, False),
        VariableSpec("moving_variance", param, False),
    ]
    if config.get("renorm", False):
        out += [
            VariableSpec("moving_stddev", param, False),
            VariableSpec("renorm_mean", param, False),
            VariableSpec("renorm_stddev", param, False),
        ]
    return tuple(out)


BATCH_NORMALIZATION = LayerDef(
    class_name="BatchNormalization",
    source="keras/src/layers/normalization/batch_normalization.py",
    fields={
        "axis": f(
            c.either(c.INT, c.AXES, what="an integer or a list of integers"),
            -1,
            note="integer (Keras 3); array of integers (tf_keras); MUST address an axis of "
            "the input (`-rank ≤ axis < rank`)",
        ),
        "momentum": f(c.num(0.0, 1.0), 0.99),
        "epsilon": f(c.num(0.0, open_lo=True), 0.001),
        "center": f(c.BOOL, True),
        "scale": f(c.BOOL, True),
        **weight_fields("beta", "gamma", initializers={"beta": "zeros", "gamma": "ones"}),
        "moving_mean_initializer": f(c.INITIALIZER, "zeros", kind="initializer"),
        "moving_variance_initializer": f(c.INITIALIZER, "ones", kind="initializer"),
        "synchronized": f(c.BOOL, False, note="Keras 3"),
        "renorm": f(c.BOOL, False, note="Keras 3.14+, tf_keras"),
        "renorm_clipping": f(
            c.opt(c.OBJECT),
            note="object with optional `rmax`, `rmin`, `dmax` (numbers); Keras 3.14+, tf_keras",
        ),
        "renorm_momentum": f(c.num(0.0, 1.0), 0.99, note="Keras 3.14+, tf_keras"),
    },
    call=None,
    tf_call=None,
    variables=_variables,
    summary="normalization with moving statistics",
    variables_doc="`gamma` (if `scale`), `beta` (if `center`), `moving_mean`, "
    "`moving_variance`, then with `renorm`: `moving_stddev`, `renorm_mean`, `renorm_stddev`; "
    "each `(input_shape[axis],)`; tf_keras multi-axis `axis` lists give a broadcastable "
    "full-rank shape (`1` outside the axes)",
)

DEFINITIONS = (BATCH_NORMALIZATION,)
