"""``Conv1D``/``Conv2D``/``Conv3D`` (``keras/src/layers/convolutional/base_conv.py``).

``activation(conv(x, kernel) + bias)`` with strides, ``valid``/``same`` padding
(and ``causal`` for ``Conv1D``, ``conv1d.py``: ``(kernel - 1) * dilation`` zeros
in front), dilation, feature groups and either data format. Variables:
``kernel (*kernel_size, channels / groups, filters)``, ``bias (filters,)`` when
``use_bias``. Keras refuses strides > 1 together with dilation > 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.layers import _checks as c
from kformat.layers import _conv_math as cm
from kformat.layers import _conv_tf as ct
from kformat.layers._common import LORA, weight_fields
from kformat.layers._conv_common import (
    data_format_field,
    finish,
    geometry,
    padding_field,
    safe_shape,
    spatial,
    to_channels_last,
    tuple_field,
)
from kformat.layers._def import Field, InputShape, LayerDef, Shape, VariableSpec, f

__all__ = ["CONV1D", "CONV2D", "CONV3D", "DEFINITIONS", "conv_fields"]


def conv_fields(rank: int) -> dict[str, Field]:
    """The keys ``BaseConv.get_config`` writes, in its order."""
    return {
        "filters": f(c.POS_INT, required=True),
        "kernel_size": tuple_field(rank, None, required=True),
        "strides": tuple_field(rank, 1),
        "padding": padding_field(causal=rank == 1),
        "data_format": data_format_field(),
        "dilation_rate": tuple_field(rank, 1),
        "groups": f(c.POS_INT, 1, note="divides `filters` and the input channels"),
        "activation": f(c.ACTIVATION, kind="activation"),
        "use_bias": f(c.BOOL, True),
        **weight_fields("kernel", "bias", initializers={"kernel": "glorot_uniform"}),
        # LoRA keys since Keras 3.3 (only when enabled); no quantization for convolutions
        "lora_rank": LORA["lora_rank"],
        "lora_alpha": LORA["lora_alpha"],
    }


def _output_shape(rank: int) -> Any:
    def shape_fn(config: Mapping[str, Any], shape: Shape) -> Shape:
        g = geometry(config, rank)
        dims, _ = g.split(shape)
        filters = config["filters"]
        if not c.positive(filters):
            raise ValueError("filters must be >= 1")
        out = tuple(
            cm.conv_out_len(n, k, s, d, g.padding)
            for n, k, s, d in zip(dims, g.kernel, g.strides, g.dilation, strict=True)
        )
        return g.join(shape[0], out, filters)

    return safe_shape(shape_fn)


def _variables(rank: int) -> Any:
    def variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
        g, dims, channels = spatial(config, input_shape, rank)
        filters, groups = config["filters"], config.get("groups", 1)
        if max(g.strides) > 1 and max(g.dilation) > 1:
            raise ValueError(
                f"strides > 1 not supported with dilation_rate > 1 (strides={list(g.strides)}, "
                f"dilation_rate={list(g.dilation)})"
            )
        if filters % groups:
            raise ValueError(f"filters={filters} is not divisible by groups={groups}")
        if channels is None:
            raise ValueError("the input's channel dimension must be known")
        if channels % groups:
            raise ValueError(
                f"the input's {channels} channels are not divisible by groups={groups}"
            )
        out = [
            cm.conv_out_len(n, k, s, d, g.padding)
            for n, k, s, d in zip(dims, g.kernel, g.strides, g.dilation, strict=True)
        ]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"computed output size would be zero or negative: {out}")
        specs = [VariableSpec("kernel", (*g.kernel, channels // groups, filters))]
        if config.get("use_bias", True):
            specs.append(VariableSpec("bias", (filters,)))
        return tuple(specs)

    return variables


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass: im2col + one GEMM (``_conv_math.conv``)."""
    rank = len(layer.kernel_size)
    x = to_channels_last(layer, inputs, rank)
    y = cm.conv(
        x,
        layer.weight("kernel"),
        tuple(layer.strides),
        layer.padding,
        tuple(layer.dilation_rate),
        layer.groups,
    )
    return finish(layer, y)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    x, (kernel,), result = ct.tf_start(ctx, layer, inputs, ctx.weight(layer, "kernel"))
    return ct.tf_finish(ctx, layer, ct.tf_conv(ctx, layer, x, kernel, layer.groups), result)


def _definition(rank: int) -> LayerDef:
    name = f"Conv{rank}D"
    return LayerDef(
        class_name=name,
        source=f"keras/src/layers/convolutional/conv{rank}d.py",
        fields=conv_fields(rank),
        call=call,
        tf_call=tf_call,
        variables=_variables(rank),
        output_shape=_output_shape(rank),
        aliases=(f"Convolution{rank}D",),
        summary=f"{rank}-D convolution"
        + (" (`causal` padding: zeros in front)" if rank == 1 else ""),
        variables_doc="`kernel (*kernel_size, channels / groups, filters)`, "
        "`bias (filters,)` if `use_bias`",
    )


CONV1D = _definition(1)
CONV2D = _definition(2)
CONV3D = _definition(3)

DEFINITIONS = (CONV1D, CONV2D, CONV3D)
