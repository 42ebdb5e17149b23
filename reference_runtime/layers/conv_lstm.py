"""``ConvLSTM1D``/``ConvLSTM2D``/``ConvLSTM3D`` (``keras/src/layers/rnn/conv_lstm.py``).

The forward pass and TensorFlow twin come from the layer catalogue
(``kformat/layers/conv_lstm.py``); these classes add the ``cell`` sub-layer
that owns the variables (Keras' ``RNN.cell``, saved in its own group
``<layer>/cell``): ``build`` creates it with the catalogue's variable shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat import layers as catalogue
from kformat.layers import conv_lstm
from kformat.layers._def import single
from reference_runtime import initializers
from reference_runtime.layers._defined import DefinedLayer, defined_layer
from reference_runtime.layers.layer import Layer

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "ConvLSTMCell"]


class ConvLSTMCell(Layer):
    """The variables of a ConvLSTM layer (``ConvLSTMCell``, not an exported class:
    files never serialize it on its own)."""

    def __init__(self, owner: Any) -> None:
        super().__init__(name="conv_lstm_cell", dtype=owner.dtype_policy)
        self._owner_rank = len(owner.kernel_size)

    def build_from(self, owner: Any, input_shape: Any) -> None:
        """``ConvLSTMCell.build``: kernel, recurrent_kernel, bias (forget gate at one
        with ``unit_forget_bias``)."""
        specs = conv_lstm.cell_variables(
            owner._shape_config(), single(input_shape), self._owner_rank
        )
        inits = {
            "kernel": owner.kernel_initializer,
            "recurrent_kernel": owner.recurrent_initializer,
            "bias": owner.bias_initializer,
        }
        keys = {"kernel": "kernel", "recurrent_kernel": "recurrent", "bias": "bias"}
        for spec in specs:
            forget = spec.name == "bias" and owner.unit_forget_bias
            var = self.add_weight(
                name=spec.name,
                shape=spec.shape,
                initializer="zeros" if forget else inits[spec.name],
                regularizer=getattr(owner, f"{keys[spec.name]}_regularizer"),
                constraint=getattr(owner, f"{keys[spec.name]}_constraint"),
            )
            if forget:
                n, dtype = int(spec.shape[0] or 0) // 4, self.variable_dtype
                get = initializers.get(inits["bias"])
                ones = np.ones((n,), dtype)
                var.assign(
                    np.concatenate([get((n,), dtype=dtype), ones, get((2 * n,), dtype=dtype)])
                )
            setattr(self, spec.name, var)
        self.built = True


#: ``ConvLSTM{1,2,3}D.__init__``'s parameters in order (``conv_lstm2d.py``)
_POSITIONAL = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "activation",
    "recurrent_activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "unit_forget_bias",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
    "seed",
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
)


def _written(class_name: str) -> type[DefinedLayer]:
    generated: type[DefinedLayer] = defined_layer(catalogue.REGISTRY[class_name])

    class ConvLSTM(generated):  # type: ignore[valid-type,misc]
        sublayers_from_config = False  # the cell is made here, with the layer's arguments

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Positional arguments in the constructor's order, not get_config's
            if len(args) > len(_POSITIONAL):
                raise TypeError(
                    f"{class_name}() takes at most {len(_POSITIONAL)} positional "
                    f"arguments, got {len(args)}"
                )
            for key, value in zip(_POSITIONAL, args, strict=False):
                if key in kwargs:
                    raise TypeError(f"{class_name}() got multiple values for {key!r}")
                kwargs[key] = value
            super().__init__(**kwargs)
            self.cell = ConvLSTMCell(self)

        def build(self, sequences_shape: Any = None, initial_state_shape: Any = None) -> None:
            """No own variables; the cell's from the sequence shape (``RNN.build``; a
            layer called with ``initial_state`` records both shapes in ``shapes_dict``)."""
            super().build(sequences_shape)
            if not self.cell.built:
                self.cell.build_from(self, sequences_shape)

        def compute_output_shape(self, *shapes: Any) -> Any:
            """``ConvLSTM.compute_output_shape`` (a list with ``return_state``)."""
            found = conv_lstm.output_shapes(
                self._shape_config(), tuple(shapes[0]), len(self.kernel_size)
            )
            return found[0] if len(found) == 1 else found

    ConvLSTM.__name__ = ConvLSTM.__qualname__ = class_name
    ConvLSTM.__doc__ = generated.__doc__
    return ConvLSTM


ConvLSTM1D = _written("ConvLSTM1D")
ConvLSTM2D = _written("ConvLSTM2D")
ConvLSTM3D = _written("ConvLSTM3D")
