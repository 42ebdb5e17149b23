"""``TimeDistributed`` (``keras/src/layers/rnn/time_distributed.py``), a ``Wrapper``
(``keras/src/layers/core/wrapper.py``).

``layer`` is the serialized wrapped layer — any layer, or a Sequential or
Functional model — with its own ``build_config``; it is a sub-layer saved in its
own H5 group ``<wrapper>/layer`` (spec §6.7; a wrapped model's layers under
``<wrapper>/layer/layers/...``), built on the input shape without the time axis,
``(batch, *input_shape[2:])``. The wrapper owns no variables.

``call`` applies the wrapped layer's ``call`` to every time step: Keras loops
over the (static) steps; the layers it can wrap treat every sample alike at
inference, so the steps are folded into the batch and the layer runs once.
The wrapped layer gets ``training`` and the mask's step slices when its ``call``
takes them; the output mask is the input's (``supports_masking``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _lookup
from kformat.layers._def import InputShape, LayerDef, Shape, SublayerSpec, f
from kformat.layers.spectral_normalization import LAYER, wrapped, wrapped_sublayers

__all__ = ["DEFINITIONS", "TIME_DISTRIBUTED", "child_shape"]


def child_shape(shape: Shape) -> Shape:
    """The wrapped layer's input shape (``TimeDistributed._get_child_input_shape``)."""
    if len(shape) < 3:
        raise ValueError(
            "`TimeDistributed` Layer should be passed an `input_shape` with at least "
            f"3 dimensions, received: {list(shape)}"
        )
    return (shape[0], *shape[2:])


def _sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
    return wrapped_sublayers(config, input_shape, child_shape)


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    found = wrapped(config)
    definition = _lookup.definition(found[0]) if found is not None else None
    if found is None or definition is None or len(shape) < 3:
        return None
    out = definition.output_shape(found[1], child_shape(shape))
    if out is None or not out:
        return None
    return (out[0], shape[1], *out[1:])


def _takes(layer: Any, name: str) -> bool:
    return name in inspect.signature(layer.call).parameters


def _steps_check(x_shape: Any, mask_shape: Any) -> None:
    """``TimeDistributed.call``'s refusals of a mask that does not fit the input."""
    if len(mask_shape) < 2:
        raise ValueError(
            "The `mask` passed to the `TimeDistributed` layer must be at least 2D "
            f"(e.g., `(batch_size, timesteps)`), but it has {len(mask_shape)} dimension(s) "
            f"with shape {tuple(mask_shape)}."
        )
    pairs = zip(x_shape[:2], mask_shape[:2], strict=True)
    if any(a is not None and b is not None and a != b for a, b in pairs):
        raise ValueError(
            f"The `mask` passed to the `TimeDistributed` layer has a shape {tuple(mask_shape)} "
            f"that is incompatible with the input shape {tuple(x_shape)}."
        )


def call(layer: Any, inputs: Any, training: Any = None, mask: Any = None) -> Any:
    """The wrapped layer on the steps folded into the batch, then unfolded."""
    x = np.asarray(inputs)
    child_shape(x.shape)
    batch, steps = x.shape[:2]
    kwargs: dict[str, Any] = {}
    if mask is not None:
        m = np.asarray(mask)
        _steps_check(x.shape, m.shape)
        if _takes(layer.layer, "mask"):
            kwargs["mask"] = m.reshape(batch * steps, *m.shape[2:])
    if _takes(layer.layer, "training"):
        kwargs["training"] = training
    y = np.asarray(layer.layer(x.reshape(batch * steps, *x.shape[2:]), **kwargs))
    return y.reshape(batch, steps, *y.shape[1:])


def _dims(tf: Any, x: Any) -> list[Any]:
    """``x``'s shape, static where known (later layers see known sizes)."""
    dynamic = tf.shape(x)
    return [d if d is not None else dynamic[i] for i, d in enumerate(x.shape)]


def tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = None, mask: Any = None) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    dims = _dims(tf, inputs)
    child_shape(tuple(inputs.shape))
    kwargs: dict[str, Any] = {}
    if mask is not None:
        _steps_check(tuple(inputs.shape), tuple(mask.shape))
        if _takes(layer.layer, "mask"):
            kwargs["mask"] = tf.reshape(mask, [dims[0] * dims[1], *_dims(tf, mask)[2:]])
    if _takes(layer.layer, "training"):
        kwargs["training"] = training
    folded = tf.reshape(inputs, [dims[0] * dims[1], *dims[2:]])
    y = ctx.call(layer.layer, folded, **kwargs)
    return tf.reshape(y, [dims[0], dims[1], *_dims(tf, y)[1:]])


TIME_DISTRIBUTED = LayerDef(
    class_name="TimeDistributed",
    source="keras/src/layers/rnn/time_distributed.py",
    fields={
        "layer": f(
            LAYER,
            required=True,
            note="the wrapped layer or model; its weights are the sub-layer group `layer`",
        ),
    },
    call=call,
    tf_call=tf_call,
    output_shape=_output_shape,
    sublayers=_sublayers,
    supports_masking=True,
    summary="applies the wrapped layer to every time step of `(batch, time, ...)`",
    variables_doc="none of its own; the wrapped layer's in its group `layer`",
)

DEFINITIONS = (TIME_DISTRIBUTED,)
