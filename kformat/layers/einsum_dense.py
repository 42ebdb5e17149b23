"""``EinsumDense`` (``keras/src/layers/core/einsum_dense.py``): an einsum with a kernel.

Variables: ``kernel`` (one size per kernel letter, from the output shape or the
input), ``bias`` when ``bias_axes`` (``_analyze_split_string``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._common import LORA, weight_fields
from kformat.layers._def import (
    InputShape,
    LayerDef,
    Shape,
    VariableSpec,
    f,
    single,
)

__all__ = ["DEFINITIONS", "EINSUM_DENSE", "einsum_weight_shapes"]


def einsum_weight_shapes(
    equation: str, bias_axes: str | None, input_shape: Shape, output_shape: Any
) -> tuple[Shape, Shape | None, Shape]:
    """Kernel shape, bias shape (or ``None``) and full output shape of an EinsumDense.

    Mirrors ``_analyze_einsum_string`` / ``_analyze_split_string`` of
    ``keras/src/layers/core/einsum_dense.py``, including ``...`` on either side.
    """
    dotted = equation.replace("...", "0")
    left_elided = False
    match = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dotted)
    if not match:
        match = re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", dotted)
        left_elided = match is not None
    if not match:
        match = re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", dotted)
    if not match:
        raise ValueError(f"invalid einsum equation {equation!r}")
    in_spec, w_spec, out_spec = match.group(1), match.group(2), match.group(3)
    elided = len(input_shape) - len(in_spec)
    outs: list[int | None] = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    outs.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            outs.insert(1, input_shape[i])
    elif elided > 0:
        outs.extend(input_shape[len(input_shape) - elided :])
    if left_elided:
        in_map = {d: i + elided - len(input_shape) for i, d in enumerate(in_spec)}
        out_map = {d: i + elided for i, d in enumerate(out_spec)}
    else:
        in_map = {d: i for i, d in enumerate(in_spec)}
        out_map = {d: i for i, d in enumerate(out_spec)}
    kernel: list[int | None] = []
    for d in w_spec:
        if d in out_map:
            kernel.append(outs[out_map[d]])
        elif d in in_map:
            kernel.append(input_shape[in_map[d]])
        else:
            raise ValueError(
                f"weight dimension {d!r} of {equation!r} is in neither input nor output"
            )
    bias: Shape | None = None
    if bias_axes:
        lead = elided if left_elided else 0
        sizes = {c: outs[i + lead] for i, c in enumerate(out_spec)}
        if any(c not in out_spec for c in bias_axes):
            raise ValueError(f"bias axes {bias_axes!r} are not all in the output of {equation!r}")
        first = min(out_spec.find(c) for c in bias_axes)
        b = [sizes[c] if c in bias_axes else 1 for c in out_spec[first:]]
        if not left_elided:
            b.extend([1] * max(elided, 0))
        bias = tuple(b)
    return tuple(kernel), bias, tuple(outs)


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    kernel, bias, _ = einsum_weight_shapes(
        config["equation"], config.get("bias_axes"), single(input_shape), config["output_shape"]
    )
    out = [VariableSpec("kernel", kernel)]
    if bias is not None:
        out.append(VariableSpec("bias", bias))
    return tuple(out)


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    try:
        return einsum_weight_shapes(
            config["equation"], config.get("bias_axes"), shape, config["output_shape"]
        )[2]
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def call(layer: Any, inputs: Any, training: Any = None) -> Any:
    """``activation(einsum(equation, x, kernel) + bias)``; bfloat16 computed in float32."""
    kernel = layer.weight("kernel")
    x = np.asarray(inputs)
    if x.dtype.name == "bfloat16":  # no bfloat16 GEMM kernels in NumPy
        y = layer.einsum(layer.equation, x.astype(np.float32), kernel.astype(np.float32))
        y = y.astype(x.dtype)
    else:
        y = layer.einsum(layer.equation, x, kernel)
    if layer.bias_axes:
        bias = layer.weight("bias")
        if y.flags.writeable and y.flags.owndata and np.result_type(y.dtype, bias.dtype) == y.dtype:
            np.add(y, bias, out=y)  # y is a fresh product: add in place
        else:
            y = y + bias
    return layer.activate(y) if y.flags.owndata else layer.activation(y)


def tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = None) -> Any:
    """TensorFlow twin of :func:`call`."""
    y = ctx.matmul(layer.equation, inputs, ctx.weight(layer, "kernel"))
    if layer.bias_axes:
        y = ctx.binary(ctx.tf.add, y, ctx.weight(layer, "bias"))
    return ctx.activate(layer, y)


EINSUM_DENSE = LayerDef(
    class_name="EinsumDense",
    source="keras/src/layers/core/einsum_dense.py",
    fields={
        "equation": f(
            c.EQUATION,
            required=True,
            note="`<in>,<kernel>-><out>` with letters, optionally `...` at the start or end of "
            "`<in>` and `<out>`",
        ),
        "output_shape": f(c.OUTPUT_SHAPE, required=True, note="the partial output shape"),
        "bias_axes": f(c.opt(c.STR), note="every letter MUST occur in `<out>`"),
        "activation": f(c.ACTIVATION, kind="activation"),
        **weight_fields("kernel", "bias", initializers={"kernel": "glorot_uniform"}),
        **LORA,
        "gptq_unpacked_column_size": f(
            c.opt(c.POS_INT), saved="if_set", note="GPTQ-quantized layers only"
        ),
    },
    call=call,
    tf_call=tf_call,
    variables=_variables,
    output_shape=_output_shape,
    summary="einsum with a kernel",
    variables_doc="`kernel`: for each letter of the kernel spec, the size of that letter in the "
    "output (from `output_shape`) or else in the input; `bias` (if `bias_axes`): the output "
    "sizes from the first bias-axis letter to the end of the output spec, `1` for letters not "
    "in `bias_axes` (`_analyze_split_string`)",
)

DEFINITIONS = (EINSUM_DENSE,)
