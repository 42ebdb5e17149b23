"""Optimizers as config objects (``keras-team/keras: keras/src/optimizers/``).

The runtime never trains. An optimizer here carries the config Keras writes in
``compile_config`` and, for a model read from a file, the saved optimizer
variables, which are written back unchanged (spec §6.8: ``iterations``,
``learning_rate``, then slot variables). A freshly compiled optimizer saves what
an unbuilt Keras optimizer saves: ``iterations`` (int32 0) and, when the
learning rate is a number, ``learning_rate`` (float32).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from reference_runtime._config_object import ConfigObject
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "serialize",
]

# keras/src/optimizers/base_optimizer.py BaseOptimizer.get_config
_BASE: dict[str, Any] = {
    "name": None,
    "learning_rate": 0.001,
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class Optimizer(ConfigObject):
    """Base class of the optimizer config objects.

    Attributes:
        saved_state: for an optimizer read from a file, every dataset under
            ``/optimizer`` (path relative to it -> array) and every group's
            attributes; ``None`` for a fresh one.
    """

    _module = "keras.optimizers"
    _defaults: ClassVar[Mapping[str, Any]] = _BASE
    _float32_keys = frozenset({"learning_rate"})

    def _post_init(self) -> None:
        object.__setattr__(self, "saved_state", None)

    def own_variables(self) -> list[np.ndarray[Any, Any]]:
        """What an unbuilt Keras optimizer saves in ``optimizer/vars``."""
        out = [np.array(0, dtype=np.int32)]
        if isinstance(self._config.get("learning_rate"), (int, float)):
            out.append(np.array(self._config["learning_rate"], dtype=np.float32))
        return out


def _optimizer(name: str, extra: Mapping[str, Any], **base: Any) -> type[Optimizer]:
    defaults = {**_BASE, **base, **extra}
    return type(name, (Optimizer,), {"_defaults": defaults, "__doc__": f"Keras ``{name}`` config."})


SGD = _optimizer("SGD", {"momentum": 0.0, "nesterov": False}, learning_rate=0.01)
RMSprop = _optimizer("RMSprop", {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": False})
_ADAM = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}
Adam = _optimizer("Adam", _ADAM)
AdamW = _optimizer("AdamW", _ADAM, weight_decay=0.004)
Adagrad = _optimizer("Adagrad", {"initial_accumulator_value": 0.1, "epsilon": 1e-07})
Adadelta = _optimizer("Adadelta", {"rho": 0.95, "epsilon": 1e-07})
Adamax = _optimizer("Adamax", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07})
Nadam = _optimizer("Nadam", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07})
Lamb = _optimizer("Lamb", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07})
Lion = _optimizer("Lion", {"beta_1": 0.9, "beta_2": 0.99})
Ftrl = _optimizer(
    "Ftrl",
    {
        "learning_rate_power": -0.5,
        "initial_accumulator_value": 0.1,
        "l1_regularization_strength": 0.0,
        "l2_regularization_strength": 0.0,
        "l2_shrinkage_regularization_strength": 0.0,
        "beta": 0.0,
    },
)
Adafactor = _optimizer(
    "Adafactor",
    {
        "beta_2_decay": -0.8,
        "epsilon_1": 1e-30,
        "epsilon_2": 0.001,
        "clip_threshold": 1.0,
        "relative_step": True,
    },
)

ALL_OBJECTS: Mapping[str, type[Optimizer]] = {
    c.__name__: c
    for c in (
        SGD,
        RMSprop,
        Adam,
        AdamW,
        Adagrad,
        Adadelta,
        Adamax,
        Nadam,
        Lamb,
        Lion,
        Ftrl,
        Adafactor,
    )
}
_ALIASES = {c.__name__.lower(): c for c in ALL_OBJECTS.values()}


def get(identifier: Any) -> Any:
    """An optimizer from a name (``"adam"``), a serialized dict or an instance."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier.lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {identifier!r}")
        return cls()
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    raise ValueError(f"cannot interpret {identifier!r} as an optimizer")


def serialize(optimizer: Any) -> Any:
    """The serialized-object dict of an optimizer."""
    return serialize_keras_object(optimizer)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Rebuild an optimizer from its serialized form."""
    return deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS
    )
