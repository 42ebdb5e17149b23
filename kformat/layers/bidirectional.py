"""``Bidirectional`` (``keras/src/layers/rnn/bidirectional.py``), a wrapper of a
recurrent layer (``SimpleRNN``, ``LSTM``, ``GRU``, ``RNN``).

It runs ``forward_layer`` (a copy of ``layer`` named ``forward_<name>``) and
``backward_layer`` (``backward_layer`` when the config gives one, else a copy of
``layer`` with ``go_backwards`` flipped, named ``backward_<name>``) on the same
inputs, both with ``zero_output_for_mask = return_sequences`` (forced by the
constructor), flips the backward sequence back to time order and merges:
``concat`` (last axis), ``sum``, ``mul``, ``ave`` or ``None`` (both outputs).
With ``return_state`` the forward states, then the backward states follow; an
``initial_state`` call argument is split in half the same way. Both sub-layers
are saved in their own groups, ``forward_layer`` and ``backward_layer``, each
with its ``cell`` (spec §6.7): ``bidirectional/forward_layer/cell/vars/0..2``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers import _lookup
from kformat.layers._def import (
    InputShape,
    LayerDef,
    Shape,
    SublayerSpec,
    UnknownLayerClass,
    VariableSpec,
    f,
)
from kformat.layers.recurrent import rnn_outputs
from kformat.layers.spectral_normalization import LAYER, wrapped

__all__ = ["BIDIRECTIONAL", "DEFINITIONS", "sub_configs"]

_MODES = ("concat", "sum", "mul", "ave")
MERGE_MODE = c.Check(
    lambda name, v: (
        None
        if v is None or (isinstance(v, str) and v in _MODES)
        else f"Invalid merge mode. Received: {v!r}. Merge mode should be one of "
        '{"sum", "mul", "ave", "concat", None}'
    ),
    "one of `concat`, `sum`, `mul`, `ave`, or `null`",
)


def _prefixed(prefix: str, name: Any) -> str:
    name = name if isinstance(name, str) else ""
    text = str(name)
    return prefix + (text[len(prefix) :] if text.startswith(prefix) else text)


def sub_configs(config: Mapping[str, Any]) -> tuple[tuple[str, dict[str, Any]], ...] | None:
    """``((class, config) of forward_layer, (class, config) of backward_layer))`` as the
    constructor makes them, or ``None`` without a serialized ``layer``."""
    found = wrapped(config)
    if found is None:
        return None
    cls, inner = found
    forward = {**inner, "name": _prefixed("forward_", inner.get("name"))}
    given = wrapped(config, "backward_layer")
    if given is not None:
        back_cls, back = given[0], dict(given[1])
    else:
        back_cls = cls
        back = {
            **inner,
            "go_backwards": not inner.get("go_backwards", False),
            "name": _prefixed("backward_", inner.get("name")),
        }
    for sub in (forward, back):
        if "zero_output_for_mask" in sub or "return_sequences" in sub:
            sub["zero_output_for_mask"] = sub.get("return_sequences", False) is True
    return (cls, forward), (back_cls, back)


def _sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
    subs = sub_configs(config)
    if subs is None:
        return ()
    shape = tuple(input_shape) if isinstance(input_shape, (list, tuple)) else None
    made = tuple(
        SublayerSpec(attr, None, cls, str(inner.get("name")), inner, shape)
        for attr, (cls, inner) in zip(("forward_layer", "backward_layer"), subs, strict=True)
    )
    # Until Keras 3.3.3 Bidirectional was a Wrapper: it also saved the layer it was
    # given, never built (empty vars groups, its cell's too), as ``layer``; Keras 2
    # does the same. Keras 3.0.3-3.3.2 share the "keras3" path generation with later
    # versions, so their extra ``layer`` group is not derived.
    cls, inner = wrapped(config) or ("", {})
    legacy = SublayerSpec(
        "layer",
        None,
        cls,
        str(inner.get("name")),
        inner,
        None,
        weighted=False,
        generations=("keras3.0", "keras2", "keras2.13"),
    )
    return (*made, legacy)


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    subs = sub_configs(config)
    if subs is None:
        raise ValueError("Bidirectional needs a serialized layer under 'layer'")
    for cls, _ in subs:
        if _lookup.definition(cls) is None:
            raise UnknownLayerClass(cls)
    return ()


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    subs = sub_configs(config)
    mode = config.get("merge_mode", "concat")
    if subs is None or mode is None or mode not in _MODES:
        return None
    cls, inner = subs[0]
    definition = _lookup.definition(cls)
    if definition is None:
        return None
    out = definition.output_shape(inner, shape)
    if out is None or mode != "concat":
        return out
    last = out[-1]
    return (*out[:-1], None if last is None else 2 * last)


def _outputs(config: Mapping[str, Any]) -> int | None:
    subs = sub_configs(config)
    if subs is None:
        return None
    merged = 2 if config.get("merge_mode", "concat") is None else 1
    if subs[0][1].get("return_state") is not True:
        return merged
    n = rnn_outputs(subs[0][0], subs[0][1])
    return None if n is None else merged + 2 * (n - 1)


def _merge(mode: Any, y: Any, y_rev: Any, concat: Any) -> Any:
    if mode == "concat":
        return concat([y, y_rev])
    if mode == "sum":
        return y + y_rev
    if mode == "ave":
        return (y + y_rev) / 2
    if mode == "mul":
        return y * y_rev
    return (y, y_rev)


def _split(layer: Any, initial_state: Any) -> tuple[Any, Any]:
    if initial_state is None:
        return None, None
    states = list(initial_state)
    half = len(states) // 2
    return states[:half], states[half:]


def _finish(layer: Any, y: Any, y_rev: Any, flip: Any, concat: Any, cast: Any) -> Any:
    states: tuple[Any, ...] = ()
    if layer.return_state:
        states = (*y[1:], *y_rev[1:])
        y, y_rev = y[0], y_rev[0]
    y, y_rev = cast(y), cast(y_rev)
    if layer.return_sequences:
        y_rev = flip(y_rev)
    output = _merge(layer.merge_mode, y, y_rev, concat)
    if layer.return_state:
        return (*output, *states) if layer.merge_mode is None else (output, *states)
    return output


def call(
    layer: Any, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None
) -> Any:
    """``Bidirectional.call`` (the unfused path; the fused ones compute the same)."""
    fs, bs = _split(layer, initial_state)
    y = layer.forward_layer(sequences, initial_state=fs, mask=mask)
    y_rev = layer.backward_layer(sequences, initial_state=bs, mask=mask)
    dtype = np.dtype(layer.compute_dtype) if layer.compute_dtype != "bfloat16" else None

    def cast(v: Any) -> Any:
        v = np.asarray(v)
        return v if dtype is None else v.astype(dtype, copy=False)

    return _finish(
        layer,
        y,
        y_rev,
        lambda v: np.flip(v, axis=1),
        lambda vs: np.concatenate(vs, axis=-1),
        cast,
    )


def tf_call(
    ctx: Any,
    layer: Any,
    sequences: Any,
    initial_state: Any = None,
    mask: Any = None,
    training: Any = None,
) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    fs, bs = _split(layer, initial_state)
    y = ctx.call_layer(layer.forward_layer, sequences, initial_state=fs, mask=mask)
    y_rev = ctx.call_layer(layer.backward_layer, sequences, initial_state=bs, mask=mask)
    return _finish(
        layer,
        y,
        y_rev,
        lambda v: tf.reverse(v, [1]),
        lambda vs: tf.concat(vs, axis=-1),
        lambda v: ctx.cast(v, layer.compute_dtype),
    )


def compute_mask(layer: Any, inputs: Any, mask: Any) -> Any:
    """``Bidirectional.compute_mask`` (a non-stateful layer: no state masks)."""
    if isinstance(mask, list):
        mask = mask[0]
    if layer.return_sequences:
        return (mask, mask) if not layer.merge_mode else mask
    return (None, None) if not layer.merge_mode else None


def tf_compute_mask(ctx: Any, layer: Any, inputs: Any, mask: Any) -> Any:
    """TensorFlow twin of :func:`compute_mask` (the same masks)."""
    return compute_mask(layer, inputs, mask)


BIDIRECTIONAL = LayerDef(
    class_name="Bidirectional",
    source="keras/src/layers/rnn/bidirectional.py",
    fields={
        "merge_mode": f(MERGE_MODE, "concat"),
        "layer": f(LAYER, required=True, note="the recurrent layer, run forward"),
        "backward_layer": f(
            c.opt(LAYER),
            None,
            note="the backward layer; default: `layer` with `go_backwards` flipped",
        ),
    },
    call=call,
    tf_call=tf_call,
    variables=_variables,
    sublayers=_sublayers,
    output_shape=_output_shape,
    compute_mask=compute_mask,
    tf_compute_mask=tf_compute_mask,
    config_outputs=_outputs,
    summary="runs a recurrent layer forward and backward and merges the outputs",
    variables_doc="none; the two layers' in the sub-layer groups `forward_layer` and "
    "`backward_layer` (each with its `cell`)",
)

DEFINITIONS = (BIDIRECTIONAL,)
