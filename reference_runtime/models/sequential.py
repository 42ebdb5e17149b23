"""``Sequential`` (spec §5.2; ``keras/src/models/sequential.py``).

A stack of layers. Its config lists the InputLayer first, while ``layers``
(and therefore the H5 file) omits it. Once the input shape is known the stack
is wrapped in a Functional graph, as Keras does.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

from reference_runtime._backend import get_keras_mask, map_structure
from reference_runtime._config_errors import at, guarded
from reference_runtime._serialization import (
    checked_from_config,
    deserialize_keras_object,
    serialize_keras_object,
)
from reference_runtime.layers.input_layer import InputLayer
from reference_runtime.layers.layer import Layer
from reference_runtime.models.functional import Functional
from reference_runtime.models.model import Model
from reference_runtime.saving import _compat

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (an ``Input`` tensor may come first).
        name: model name (default ``sequential``).
    """

    _model_kind: ClassVar[str] = "sequential"

    def __init__(
        self, layers: list[Any] | None = None, trainable: bool = True, name: str | None = None
    ) -> None:
        super().__init__(trainable=trainable, name=name)
        self._layers: list[Layer] = []
        self._functional: Any = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._layers:
            self._maybe_rebuild()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (or the InputLayer behind an ``Input`` tensor)."""
        history = getattr(layer, "_keras_history", None)
        if history is not None and isinstance(history.operation, InputLayer):
            layer = history.operation
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Only instances of `keras.Layer` can be added to a Sequential model. Received: {layer!r}"
            )
        if any(la.name == layer.name for la in self._layers):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name '{layer.name}' is already the name of a layer in this model."
            )
        if (
            isinstance(layer, InputLayer)
            and self._layers
            and isinstance(self._layers[0], InputLayer)
        ):
            raise ValueError(
                f"Sequential model '{self.name}' has already been configured to use an input shape."
            )
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False
            self._functional = None

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer."""
        layer = self._layers.pop()
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        self.built = False
        self._functional = None
        first = self._layers[0]
        if isinstance(first, InputLayer) and len(self._layers) > 1:
            self.build(first.batch_shape)
        elif first._input_shape_arg is not None:
            self.build((None, *first._input_shape_arg))

    def build(self, input_shape: Any = None) -> None:
        """Add an InputLayer if needed and wire the stack into a Functional graph."""
        if (
            input_shape is None
            or not isinstance(input_shape, (list, tuple))
            or (input_shape and isinstance(input_shape[0], (list, tuple, dict)))
        ):
            return
        input_shape = tuple(input_shape)
        if not self._layers:
            raise ValueError(
                f"Sequential model {self.name} cannot be built because it has no layers."
            )
        if isinstance(self._layers[0], InputLayer):
            if self._layers[0].batch_shape != input_shape:
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input shape {self._layers[0].batch_shape}. You cannot build it with input_shape {input_shape}"
                )
        else:
            dtype = self._layers[0].compute_dtype
            self._layers = [InputLayer(batch_shape=input_shape, dtype=dtype), *self._layers]
        head = self._layers[0]
        assert isinstance(head, InputLayer)
        x = head.output
        for layer in self._layers[1:]:
            x = layer(x)
        self._functional = Functional(inputs=head.output, outputs=x)
        self._build_shapes_dict = {"input_shape": input_shape}
        self.built = True

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if self._functional is not None:
            return self._functional.call(inputs, training=training, mask=mask)
        outputs = inputs
        for layer in self.layers:
            params = inspect.signature(layer.call).parameters
            kwargs: dict[str, Any] = {}
            if "mask" in params:
                kwargs["mask"] = mask
            if "training" in params and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = map_structure(get_keras_mask, outputs)
        if isinstance(outputs, list) and len(outputs) == 1:
            outputs = outputs[0]
        return outputs

    def _sublayers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def layers(self) -> list[Layer]:
        """The added layers, without the InputLayer."""
        if self._layers and isinstance(self._layers[0], InputLayer):
            return self._layers[1:]
        return list(self._layers)

    @property
    def inputs(self) -> list[Any]:
        """The input tensors of the underlying graph."""
        return self._functional.inputs if self._functional is not None else []

    @property
    def outputs(self) -> list[Any]:
        """The output tensors of the underlying graph."""
        return self._functional.outputs if self._functional is not None else []

    @property
    def input_shape(self) -> Any:
        """The batch shape of the InputLayer."""
        return (
            self._layers[0].batch_shape
            if self._layers and isinstance(self._layers[0], InputLayer)
            else None
        )

    def get_config(self) -> dict[str, Any]:
        """``name``, ``trainable``, ``dtype``, ``layers`` (InputLayer included), ``build_input_shape``."""
        base = Layer.get_config(self)
        config = {k: base[k] for k in ("name", "trainable", "dtype")}
        config["layers"] = [serialize_keras_object(layer) for layer in self._layers]
        if self._functional is not None:
            config["build_input_shape"] = list(self._layers[0].batch_shape)  # type: ignore[attr-defined]
        return config

    def get_build_config(self) -> dict[str, Any] | None:
        """``{"input_shape": [...]}`` once built."""
        if self._functional is None:
            return None
        return {"input_shape": list(self._layers[0].batch_shape)}  # type: ignore[attr-defined]

    def build_from_config(self, config: Mapping[str, Any] | None) -> None:
        """Build from ``build_config`` unless already built."""
        if config and not self.built and config.get("input_shape") is not None:
            self.build(config["input_shape"])

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
    ) -> Any:
        """Deserialize each layer and ``add`` it; build from ``build_input_shape``."""
        return checked_from_config(
            "Sequential", config, lambda: cls._from_config(config, custom_objects)
        )

    @classmethod
    def _from_config(cls, config: Any, custom_objects: Mapping[str, Any] | None) -> Any:
        if isinstance(config, Mapping) and "layers" in config:
            name, entries, build_shape = (
                config.get("name"),
                config["layers"],
                config.get("build_input_shape"),
            )
        else:
            name, entries, build_shape = None, list(config), None
        model = cls(name=name)
        for i, entry in enumerate(entries):
            inner = entry.get("config") if isinstance(entry, Mapping) else None
            with at("layers", i):
                if (
                    i == 0
                    and isinstance(inner, Mapping)
                    and entry.get("class_name") != "InputLayer"
                    and inner.get("batch_input_shape") is not None
                ):
                    # tf-keras: the first layer carries the input shape.
                    dtype = inner.get("dtype") if isinstance(inner.get("dtype"), str) else None
                    with at("config", "batch_input_shape"):
                        head = guarded(
                            functools.partial(
                                InputLayer, batch_shape=inner["batch_input_shape"], dtype=dtype
                            ),
                            "batch_input_shape",
                        )
                    model.add(head, rebuild=False)
                layer = deserialize_keras_object(
                    _compat.normalize_layer_entry(entry), custom_objects
                )
                # spec §5.5: names are unique (KF302); an InputLayer only comes first (KF316)
                code = "KF316" if isinstance(layer, InputLayer) else "KF302"
                guarded(functools.partial(model.add, layer, rebuild=False), f"layer {i}", code=code)
        # Shapes flow through the stack here: a layer refusing its input is KF309.
        if model._layers:
            guarded(model._maybe_rebuild, "the Sequential stack", code="KF309")
        if model._functional is None and isinstance(build_shape, (list, tuple)):
            with at("build_input_shape"):
                guarded(lambda: model.build(build_shape), "build_input_shape", code="KF309")
        return model
