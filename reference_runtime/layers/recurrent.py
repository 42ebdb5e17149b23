"""Recurrent layers and cells (``keras/src/layers/rnn/``).

The forward passes and TensorFlow twins come from the layer catalogue
(``kformat/layers/recurrent.py``, ``rnn_cells.py``, ``bidirectional.py``, the
loop in ``_rnn_math.py``); these classes add what a generated layer lacks: the
cell sub-layer (made from the layer's config, or deserialized from ``cell`` /
``cells``), building it on the step shape, Bidirectional's two layers, and the
cells' in-place ``tanh``/``sigmoid`` for the loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat import layers as catalogue
from kformat.errors import UnsupportedFeatureError
from kformat.layers.bidirectional import sub_configs
from kformat.layers.recurrent import cell_entry
from kformat.layers.rnn_cells import cell_fields
from reference_runtime import activations
from reference_runtime._serialization import deserialize_keras_object, serialize_keras_object
from reference_runtime.layers._defined import defined_layer
from reference_runtime.layers.layer import Layer

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Bidirectional",
    "GRUCell",
    "LSTMCell",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
]


def _owned(fn: Any, x: Any) -> Any:
    """``fn(x)`` for an array the loop owns; ``tanh``/``sigmoid`` in place (same
    values as ``reference_runtime.activations``)."""
    if isinstance(x, np.ndarray) and x.flags.writeable and x.dtype.kind == "f":
        if fn is activations.tanh:
            return np.tanh(x, out=x)
        if fn is activations.sigmoid:  # 1 / (1 + exp(-x))
            with np.errstate(over="ignore"):
                np.negative(x, out=x)
                np.exp(x, out=x)
                np.add(x, np.asarray(1, x.dtype), out=x)
                return np.divide(np.asarray(1, x.dtype), x, out=x)
    return activations.apply_owned(fn, x)


def _gen(name: str) -> Any:
    return defined_layer(catalogue.REGISTRY[name])


class _Cell:
    """What the loop reads from a cell besides its weights."""

    units: int
    activation: Any
    recurrent_activation: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("implementation", None)  # tf.keras; Keras 3 pops it too
        super().__init__(*args, **kwargs)

    def activate(self, x: Any) -> Any:
        return _owned(self.activation, x)

    def activate_recurrent(self, x: Any) -> Any:
        return _owned(self.recurrent_activation, x)

    @property
    def state_size(self) -> Any:
        return [self.units, self.units] if type(self).__name__ == "LSTMCell" else self.units

    @property
    def output_size(self) -> int:
        return self.units


class SimpleRNNCell(_Cell, _gen("SimpleRNNCell")):  # type: ignore[misc]
    """``keras.layers.SimpleRNNCell``."""


class GRUCell(_Cell, _gen("GRUCell")):  # type: ignore[misc]
    """``keras.layers.GRUCell``."""


class LSTMCell(_Cell, _gen("LSTMCell")):  # type: ignore[misc]
    """``keras.layers.LSTMCell`` (a fresh bias has ones for the forget gate with
    ``unit_forget_bias``, as Keras initializes it)."""

    def build(self, input_shape: Any = None) -> None:
        super().build(input_shape)
        if self.use_bias and self.unit_forget_bias:
            bias = np.array(self.bias.numpy())
            bias[self.units : 2 * self.units] = 1
            self.bias.assign(bias)


_CELLS = {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}


class StackedRNNCells(_gen("StackedRNNCells")):  # type: ignore[misc]
    """``keras.layers.StackedRNNCells``: ``cells`` run in order at each step; each is
    saved at ``cells/<snake_case(class)>[_k]``, which ``getattr`` resolves."""

    sublayers_from_config = False

    def __init__(self, cells: Any, **kwargs: Any) -> None:
        super().__init__(cells=cells, **kwargs)
        self.cells: list[Any] = [
            c if isinstance(c, Layer) else deserialize_keras_object(c) for c in cells
        ]

    def __getattr__(self, name: str) -> Any:
        # The derived sub-layer paths name the cells ``cells/lstm_cell``, ``cells/lstm_cell_1``.
        if name.startswith("cells/") and "cells" in self.__dict__:
            spec = catalogue.REGISTRY["StackedRNNCells"].sublayers(self.config_values(), None)
            for s, cell in zip(spec, self.__dict__["cells"], strict=False):
                if s.attr == name:
                    return cell
        raise AttributeError(name)

    def config_values(self) -> dict[str, Any]:
        values: dict[str, Any] = super().config_values()
        values["cells"] = [serialize_keras_object(c) for c in self.__dict__.get("cells", [])]
        return values

    @property
    def state_size(self) -> list[Any]:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        return int(self.cells[-1].output_size)

    def build(self, input_shape: Any = None) -> None:
        shape = tuple(input_shape) if input_shape is not None else (None, None)
        for cell in self.cells:
            if not cell.built:
                cell.build(shape)
            shape = (shape[0], cell.output_size)


def _unbuilt(value: Any) -> Any:
    """A serialized layer without any ``build_config`` (its cells' included): it
    deserializes into layers that own no variables yet."""
    if isinstance(value, dict):
        return {k: _unbuilt(v) for k, v in value.items() if k != "build_config"}
    if isinstance(value, list):
        return [_unbuilt(v) for v in value]
    return value


def _make_cell(entry: Any) -> Any:
    cell = entry if isinstance(entry, Layer) else deserialize_keras_object(entry)
    if type(cell).__name__ not in (*_CELLS, "StackedRNNCells"):
        raise UnsupportedFeatureError(
            f"RNN cell of class {type(cell).__name__} has no runtime loop: only SimpleRNNCell, "
            "LSTMCell, GRUCell and StackedRNNCells run"
        )
    return cell


class _Recurrent:
    """Shared by the layers that run a cell."""

    cell: Any
    stateful: bool
    name: str

    def _check_common(self, kwargs: dict[str, Any]) -> None:
        if kwargs.pop("time_major", False):
            raise UnsupportedFeatureError(
                f"{type(self).__name__}: time_major=True (tf.keras) is not supported"
            )
        kwargs.pop("use_cudnn", None)  # a constructor argument Keras never saves
        kwargs.pop("implementation", None)  # tf.keras; Keras 3 pops it too

    def _refuse_stateful(self) -> None:
        if self.stateful:
            raise UnsupportedFeatureError(
                f"layer {self.name!r}: stateful=True carries the RNN state from one call to "
                "the next (and between predict batches), which a saved file does not hold; "
                "the runtime runs stateless inference only"
            )

    def build(self, sequences_shape: Any = None, initial_state_shape: Any = None) -> None:
        shape = tuple(sequences_shape) if sequences_shape is not None else (None, None, None)
        if not self.cell.built:
            self.cell.build((shape[0], *shape[2:]))


def _rnn_class(name: str) -> Any:
    base = _gen(name)

    class Recurrent(_Recurrent, base):  # type: ignore[misc,valid-type]
        sublayers_from_config = False
        build = _Recurrent.build  # defined here: Layer records the build arguments

        def __init__(self, units: Any = None, *args: Any, **kwargs: Any) -> None:
            if units is not None:
                kwargs["units"] = units
            self._check_common(kwargs)
            super().__init__(*args, **kwargs)
            self._refuse_stateful()
            entry = cell_entry(name, self._shape_config())
            assert entry is not None
            cell_cls = _CELLS[entry["class_name"]]
            keys = cell_fields(entry["class_name"], layer=False)
            own = {k: getattr(self, k) for k in keys if not keys[k].tf_keras and hasattr(self, k)}
            self.cell = cell_cls(
                **own,
                name=entry["config"]["name"],
                dtype=self.dtype_policy,
                trainable=self.trainable,
            )

    Recurrent.__name__ = Recurrent.__qualname__ = name
    Recurrent.__doc__ = f"``keras.layers.{name}`` (its cell in ``self.cell``)."
    Recurrent.__module__ = __name__
    return Recurrent


SimpleRNN = _rnn_class("SimpleRNN")
LSTM = _rnn_class("LSTM")
GRU = _rnn_class("GRU")


class RNN(_Recurrent, _gen("RNN")):  # type: ignore[misc]
    """``keras.layers.RNN`` over a cell (a list of cells becomes ``StackedRNNCells``)."""

    sublayers_from_config = False
    build = _Recurrent.build  # defined here: Layer records the build arguments

    def __init__(self, cell: Any, **kwargs: Any) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(list(cell))
        self._check_common(kwargs)
        super().__init__(cell=cell, **kwargs)
        self._refuse_stateful()
        self.cell = _make_cell(cell)

    def config_values(self) -> dict[str, Any]:
        values: dict[str, Any] = super().config_values()
        values["cell"] = serialize_keras_object(self.cell)
        return values


class Bidirectional(_gen("Bidirectional")):  # type: ignore[misc]
    """``keras.layers.Bidirectional``: ``forward_layer`` and ``backward_layer`` made
    from the config as the Keras constructor makes them."""

    sublayers_from_config = False

    def __init__(self, layer: Any, merge_mode: Any = "concat", **kwargs: Any) -> None:
        backward = kwargs.pop("backward_layer", None)
        kwargs.pop("weights", None)
        layer_cfg = layer if not isinstance(layer, Layer) else serialize_keras_object(layer)
        back_cfg = (
            backward
            if backward is None or not isinstance(backward, Layer)
            else serialize_keras_object(backward)
        )
        super().__init__(layer=layer_cfg, merge_mode=merge_mode, backward_layer=back_cfg, **kwargs)
        subs = sub_configs({"layer": layer_cfg, "backward_layer": back_cfg})
        if subs is None:
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer}"
            )
        made = []
        for (cls, inner), given in zip(subs, (layer_cfg, back_cfg), strict=True):
            made.append(
                deserialize_keras_object(
                    {
                        **(given if given is not None else layer_cfg),
                        "class_name": cls,
                        "config": inner,
                    }
                )
            )
        # The layer as given, never built: Keras 2 and Keras < 3.3.3 (a Wrapper then)
        # save it too, as empty groups ``layer`` and ``layer/cell`` (their paths are
        # derived for those writers only).
        self.layer = deserialize_keras_object(_unbuilt(layer_cfg))
        # Tracking order is attribute order (Keras: forward, then backward); the
        # constructor above set ``backward_layer`` to its config first.
        self.__dict__.pop("backward_layer", None)
        self.forward_layer, self.backward_layer = made
        fw, bw = self.forward_layer, self.backward_layer
        if fw.go_backwards == bw.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards {fw.go_backwards}, "
                f"backward_layer.go_backwards={bw.go_backwards}"
            )
        for a in ("stateful", "return_sequences", "return_state"):
            if getattr(fw, a) != getattr(bw, a):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{a}", got "{getattr(fw, a)}" for forward layer and '
                    f'"{getattr(bw, a)}" for backward layer'
                )
        self.return_sequences = fw.return_sequences
        self.return_state = fw.return_state
        self.stateful = fw.stateful

    def config_values(self) -> dict[str, Any]:
        values: dict[str, Any] = super().config_values()
        values["layer"] = serialize_keras_object(self.forward_layer)
        values["backward_layer"] = serialize_keras_object(self.backward_layer)
        return values

    def build(self, sequences_shape: Any = None, initial_state_shape: Any = None) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(sequences_shape)
