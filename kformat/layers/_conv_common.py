"""What the convolution families share: config fields as Keras normalizes them,
input/output shapes, and the bias-activation-layout epilogue (spec §5.9, §6.8).

Keras' constructors (``keras/src/layers/convolutional/base_conv.py`` and its
siblings) turn ``kernel_size=3`` into ``(3, 3)`` (``standardize_tuple``),
lower-case ``padding`` (``standardize_padding``) and ``data_format``
(``standardize_data_format``, ``None`` = ``channels_last``); the fields below
accept what the constructors accept and convert it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._conv_math import as_tuple
from kformat.layers._def import Field, InputShape, Shape, f, single

__all__ = [
    "Geometry",
    "data_format_field",
    "finish",
    "geometry",
    "padding_field",
    "safe_shape",
    "spatial",
    "to_channels_last",
    "tuple_field",
]


def tuple_field(rank: int, default: int | None, *, lo: int = 1, required: bool = False) -> Field:
    """An int or ``rank`` ints ≥ ``lo``, saved as a list (``standardize_tuple``)."""

    def convert(v: Any) -> Any:
        return [v] * rank if isinstance(v, int) else list(v)

    dflt = None if default is None else [default] * rank
    return f(c.int_tuple(rank, lo), dflt, required=required, convert=convert)


def _lower_enum(*values: str) -> c.Check:
    shown = ", ".join(f"`{v}`" for v in values)

    def fn(name: str, v: Any) -> str | None:
        if isinstance(v, str) and v.lower() in values:
            return None
        return f"{name} must be one of {', '.join(map(repr, values))}, got {v!r}"

    return c.Check(fn, f"one of {shown} (any case)")


def padding_field(causal: bool) -> Field:
    """``padding``: ``valid``/``same`` (+ ``causal`` for 1-D convolutions), any case."""
    values = ("valid", "same", "causal") if causal else ("valid", "same")
    return f(_lower_enum(*values), "valid", convert=str.lower)


def data_format_field() -> Field:
    """``data_format``: ``null`` stands for ``channels_last`` (the default image format)."""
    check = c.opt(_lower_enum("channels_last", "channels_first"))
    return f(
        check,
        "channels_last",
        convert=lambda v: "channels_last" if v is None else v.lower(),
        note="`null` = `channels_last`",
    )


class Geometry:
    """A config's spatial arguments as tuples, or the reason they are unusable."""

    def __init__(self, config: Mapping[str, Any], rank: int) -> None:
        self.rank = rank
        kernel = as_tuple(config.get("kernel_size"), rank)
        strides = as_tuple(config.get("strides", 1), rank)
        dilation = as_tuple(config.get("dilation_rate", 1), rank)
        padding = config.get("padding", "valid")
        fmt = config.get("data_format") or "channels_last"
        if kernel is None or strides is None or dilation is None:
            raise ValueError("kernel_size, strides and dilation_rate must be ints or int lists")
        if min(kernel + strides + dilation) < 1:
            raise ValueError("kernel_size, strides and dilation_rate must be >= 1")
        if not isinstance(padding, str) or not isinstance(fmt, str):
            raise ValueError("padding and data_format must be strings")
        self.kernel, self.strides, self.dilation = kernel, strides, dilation
        self.padding = padding.lower()
        self.channels_first = fmt.lower() == "channels_first"

    def split(self, shape: Shape) -> tuple[Shape, int | None]:
        """(spatial dims, channels) of an input shape ``(batch, ...)``."""
        if len(shape) != self.rank + 2:
            raise ValueError(f"expected an input of rank {self.rank + 2}, got shape {list(shape)}")
        if self.channels_first:
            return shape[2:], shape[1]
        return shape[1:-1], shape[-1]

    def join(self, batch: int | None, spatial: Shape, channels: int | None) -> Shape:
        """An output shape in the config's data format."""
        if self.channels_first:
            return (batch, channels, *spatial)
        return (batch, *spatial, channels)


def geometry(config: Mapping[str, Any], rank: int) -> Geometry:
    """:class:`Geometry` of ``config`` (``ValueError`` when it is unusable)."""
    return Geometry(config, rank)


def spatial(
    config: Mapping[str, Any], input_shape: InputShape, rank: int
) -> tuple[Geometry, Shape, int | None]:
    """Geometry, spatial dims and channel count of a build input shape."""
    g = geometry(config, rank)
    dims, channels = g.split(single(input_shape))
    return g, dims, channels


def safe_shape(fn: Callable[[Mapping[str, Any], Shape], Shape]) -> Callable[..., Shape | None]:
    """``fn`` as an ``output_shape``: ``None`` instead of raising on odd configs."""

    def wrapped(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        try:
            out = fn(config, shape)
        except (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
            return None
        if any(d is not None and d <= 0 for d in out):
            return None
        return out

    return wrapped


def to_channels_last(layer: Any, inputs: Any, rank: int) -> Any:
    """The input as an array with channels last; refuses the wrong rank as Keras'
    ``InputSpec(min_ndim=rank + 2)`` and ``compute_conv_output_shape`` do."""
    x = np.asarray(inputs)
    if x.ndim != rank + 2:
        raise ValueError(
            f"{type(layer).__name__} expects inputs of rank {rank + 2}, got shape {x.shape}"
        )
    return np.moveaxis(x, 1, -1) if layer.data_format == "channels_first" else x


def finish(layer: Any, y: Any) -> Any:
    """Add the bias, apply the activation (``y`` is ours: in place), restore the layout."""
    if layer.use_bias:
        bias = layer.weight("bias")
        if np.result_type(y.dtype, bias.dtype) == y.dtype:
            np.add(y, bias, out=y)
        else:
            y = y + bias
    y = layer.activate(y)
    if layer.data_format == "channels_first":
        y = np.ascontiguousarray(np.moveaxis(y, -1, 1))
    return y
