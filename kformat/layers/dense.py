"""``Dense`` (``keras/src/layers/core/dense.py``): ``activation(x @ kernel + bias)``.

For inputs of rank > 2 the matmul contracts the last axis. Variables:
``kernel (d, units)``, ``bias (units,)`` when ``use_bias``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._common import LORA, weight_fields
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, dim, f, single

__all__ = ["DEFINITIONS"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    shape = single(input_shape)
    units = config["units"]
    out = [VariableSpec("kernel", (dim(shape, -1), units))]
    if config.get("use_bias", True):
        out.append(VariableSpec("bias", (units,)))
    return tuple(out)


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    units = config.get("units")
    return (*shape[:-1], units) if c.positive(units) else None


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass; one GEMM over all leading axes."""
    kernel = layer.weight("kernel")
    x = np.asarray(inputs)
    out_dtype = np.result_type(x.dtype, kernel.dtype)
    if x.ndim > 2 and x.flags.c_contiguous:
        y = np.matmul(x.reshape(-1, x.shape[-1]), kernel).reshape(*x.shape[:-1], kernel.shape[-1])
    else:
        y = np.matmul(x, kernel)
    # numpy backend matmul: compute, then cast to the inputs' result type
    # (np.matmul promotes bfloat16 to float32).
    y = y.astype(out_dtype, copy=False)
    if layer.use_bias:
        bias = layer.weight("bias")
        if np.result_type(y.dtype, bias.dtype) == y.dtype:
            np.add(y, bias, out=y)  # y is ours: no second output buffer
        else:
            y = y + bias
    return layer.activate(y)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    y = ctx.matmul(None, inputs, ctx.weight(layer, "kernel"))
    if layer.use_bias:
        y = ctx.binary(ctx.tf.add, y, ctx.weight(layer, "bias"))
    return ctx.activate(layer, y)


DENSE = LayerDef(
    class_name="Dense",
    source="keras/src/layers/core/dense.py",
    fields={
        "units": f(c.POS_INT, required=True, note="e.g. `units must be >= 1, got 0`"),
        "activation": f(c.ACTIVATION, kind="activation"),
        "use_bias": f(c.BOOL, True),
        **weight_fields("kernel", "bias", initializers={"kernel": "glorot_uniform"}),
        **LORA,
    },
    call=call,
    tf_call=tf_call,
    variables=_variables,
    output_shape=_output_shape,
    summary="densely connected layer",
    variables_doc="`kernel (d, units)`, `bias (units,)` if `use_bias`",
)

DEFINITIONS = (DENSE,)
