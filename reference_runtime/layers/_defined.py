"""Runtime layers made from the layer catalogue's definitions (``kformat.layers``).

:func:`defined_layer` turns a :class:`~kformat.layers.LayerDef` into a
:class:`Layer` subclass named like the Keras class: the constructor takes the
definition's fields (checked with the same domains the validator uses, so a
value Keras refuses is refused here with the same words), ``build`` creates the
definition's variables in ``vars`` order, ``call`` is the definition's NumPy
forward pass and ``get_config`` writes the fields back as Keras does.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from kformat import layers as catalogue
from kformat.layers import LayerDef
from kformat.layers._def import no_sublayers
from reference_runtime import activations, constraints, initializers, regularizers
from reference_runtime._builtins import builtin_class
from reference_runtime.layers.layer import Layer

__all__ = ["DefinedLayer", "call_method", "class_for", "defined_layer", "forward"]

_GET: Mapping[str, Callable[[Any], Any]] = {
    "activation": activations.get,
    "initializer": initializers.get,
    "regularizer": regularizers.get,
    "constraint": constraints.get,
}
_SERIALIZE: Mapping[str, Callable[[Any], Any]] = {
    "activation": activations.serialize,
    "initializer": initializers.serialize,
    "regularizer": regularizers.serialize,
    "constraint": constraints.serialize,
}


class DefinedLayer(Layer):
    """A layer whose config, variables and forward pass come from :attr:`definition`."""

    definition: ClassVar[LayerDef]
    #: Create the definition's sub-layers from the config in ``__init__`` (Keras does
    #: for RandAugment, RandomColorJitter); a hand-written class that builds its own
    #: (SpectralNormalization's wrapped layer) sets ``False``.
    sublayers_from_config: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        definition = self.definition
        # Positional arguments fill the fields in order, as Keras' constructors
        # take them (``Reshape((2, 3))``, ``Dropout(0.5)``).
        names = [k for k, fl in definition.fields.items() if not fl.tf_keras]
        if len(args) > len(names):
            raise TypeError(
                f"{definition.class_name}() takes {len(names)} positional arguments, "
                f"got {len(args)}"
            )
        for key, value in zip(names, args, strict=False):
            if key in kwargs:
                raise TypeError(f"{definition.class_name}() got multiple values for {key!r}")
            kwargs[key] = value
        mine = {k: kwargs.pop(k) for k in list(kwargs) if k in definition.fields}
        if definition.default_dtype is not None and kwargs.get("dtype") is None:
            kwargs["dtype"] = definition.default_dtype(mine)
        super().__init__(**kwargs)
        name = definition.class_name
        for key, field in definition.fields.items():
            if field.tf_keras:
                if key in mine:
                    warnings.warn(
                        f"{name}: argument {key!r} is a Keras 2 argument; Keras 3 ignores it",
                        stacklevel=2,
                    )
                continue
            if key in mine:
                value = mine[key]
            elif field.required:
                raise TypeError(f"{name}.__init__() missing required argument {key!r}")
            else:
                value = field.default
            if isinstance(value, tuple):
                value = list(value)  # JSON arrays: the domains are written for them
            # A Python object (a function, an Initializer) for an activation/
            # initializer/... key is resolved as Keras resolves it; the domain
            # describes the JSON forms.
            live = field.kind is not None and not isinstance(value, (str, dict, type(None)))
            why = None if live else field.check(key, value)
            if why is not None:
                raise ValueError(f"{name}: {why}")
            if field.convert is not None:
                value = field.convert(value)
            if value is None and field.default_from is not None:
                value = getattr(self, field.default_from)
            if field.kind is not None:
                value = _GET[field.kind](value)
            setattr(self, key, value)
        self.supports_masking = definition.supports_masking or definition.compute_mask is not None
        if not definition.autocast:
            self.autocast = False
        if definition.sublayers is not no_sublayers and self.sublayers_from_config:
            self._create_sublayers()

    def _create_sublayers(self) -> None:
        """The definition's saved sub-layers, as attributes named like Keras'
        (the saving walk finds them there, spec §6.7). Only for classes whose
        sub-layers follow from the config alone, as Keras creates them in
        ``__init__`` (``RandAugment``, ``RandomColorJitter``)."""
        for spec in self.definition.sublayers(self.config_values(), None):
            cls = builtin_class("keras.layers", spec.class_name)
            setattr(self, spec.attr, cls(**{**spec.config, "name": spec.name}))

    # -- config ---------------------------------------------------------------

    def config_values(self) -> dict[str, Any]:
        """The definition's fields as ``get_config`` writes them (JSON-like values)."""
        out: dict[str, Any] = {}
        for key, field in self.definition.fields.items():
            if field.tf_keras:
                continue
            value = getattr(self, key)
            if field.kind is not None:
                value = _SERIALIZE[field.kind](value)
            elif isinstance(value, tuple):
                value = list(value)
            if field.saved == "if_set" and value in (None, field.default):
                continue
            out[key] = value
        return out

    def _shape_config(self) -> dict[str, Any]:
        # What variables()/output_shape() read: the fields, activation/initializer
        # objects left as they are (they never decide a shape; a lambda has no
        # serialized form).
        out: dict[str, Any] = {}
        for key, field in self.definition.fields.items():
            if not field.tf_keras:
                value = getattr(self, key)
                out[key] = list(value) if isinstance(value, tuple) else value
        return out

    def get_config(self) -> dict[str, Any]:
        """Base keys, then every field in the definition's order (or the
        definition's own ``get_config`` of that)."""
        base = {k: v for k, v in super().get_config().items() if k in self.definition.config_base}
        config = {**base, **self.config_values()}
        custom = self.definition.get_config
        return config if custom is None else custom(self, config)

    # -- weights --------------------------------------------------------------

    def build(self, input_shape: Any = None) -> None:
        """Create the definition's variables, in ``vars/0..n-1`` order (spec §6.8)."""
        specs = self.definition.variables(self._shape_config(), input_shape)
        for spec in specs:
            keys = spec.keys or spec.name
            init = getattr(self, f"{keys}_initializer", None) or spec.initializer
            var = self.add_weight(
                name=spec.name,
                shape=spec.shape,
                initializer=init if init is not None else "zeros",
                dtype=spec.dtype,
                trainable=spec.trainable,
                regularizer=getattr(self, f"{keys}_regularizer", None),
                constraint=getattr(self, f"{keys}_constraint", None),
            )
            setattr(self, spec.attr or spec.name, var)

    def compute_output_shape(self, *shapes: Any) -> Any:
        """The definition's output shape when it knows one, else probing."""
        if len(shapes) == 1 and shapes[0] is not None:
            try:
                found = self.definition.output_shape(self._shape_config(), tuple(shapes[0]))
            except (ValueError, KeyError, TypeError, IndexError):
                found = None
            if found is not None:
                return found
        return super().compute_output_shape(*shapes)

    def _mask_passes_through(self) -> bool:
        # compute_mask below gives None for no input mask unless the definition
        # computes its own (Layer.__call__ skips mask metadata then).
        return (
            type(self).compute_mask is DefinedLayer.compute_mask
            and self.definition.compute_mask is None
        )

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """The definition's output mask, or the input mask when the layer supports masking."""
        if self.definition.compute_mask is not None:
            return self.definition.compute_mask(self, inputs, previous_mask)
        return previous_mask if self.supports_masking else None


def defined_layer(definition: LayerDef) -> type[DefinedLayer]:
    """A :class:`DefinedLayer` subclass for ``definition``, named like the Keras class.

    Its ``call`` has the signature of ``definition.call`` minus the layer, so
    ``Layer.__call__`` routes ``training``/``mask`` arguments as for any layer.
    """
    if definition.call is None:
        raise ValueError(f"{definition.class_name} has no NumPy forward pass")
    namespace = {
        "definition": definition,
        "call": call_method(definition.call),
        "__module__": "reference_runtime.layers",
        "__qualname__": definition.class_name,
        "__doc__": f"``{definition.class_name}``: {definition.summary} (``{definition.source}``).",
    }
    return type(definition.class_name, (DefinedLayer,), namespace)


@functools.cache
def class_for(class_name: str) -> type[DefinedLayer]:
    """The one generated runtime class of catalogue class ``class_name``."""
    return defined_layer(catalogue.REGISTRY[class_name])


def call_method(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A ``call`` method running a definition's NumPy forward pass ``fn(layer, ...)``,
    with ``fn``'s signature minus the layer: ``Layer.__call__`` reads the signature
    to route ``training``/``mask``/``<arg>_mask`` arguments."""
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())[1:]

    def call(self: Layer, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *params]
    )
    return call


def forward(class_name: str) -> Callable[..., Any]:
    """The catalogue's NumPy forward pass of ``class_name``: what a hand-written
    runtime class (sub-layers, masks, older writers' quirks) delegates ``call`` to."""
    fn = catalogue.REGISTRY[class_name].call
    if fn is None:
        raise ValueError(f"{class_name} has no NumPy forward pass")
    return fn
