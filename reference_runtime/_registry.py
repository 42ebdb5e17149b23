"""The runtime's built-in tables for (de)serialization, assembled from every part of it.

Layers, models, initializers and the rest serialize their nested objects through
:mod:`reference_runtime._serialization`, which resolves names against
these tables; the tables list the classes of those same modules. So the tables are
built here, above both, and installed into :mod:`reference_runtime._builtins`
when the package is imported (``keras-team/keras`` fills its name tables by
registering each exported class at import time; here it is one explicit dict per
group, spec §9.1).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from reference_runtime import (
    activations,
    constraints,
    initializers,
    losses,
    metrics,
    optimizers,
    regularizers,
)
from reference_runtime._builtins import Builtins, install
from reference_runtime.layers import LAYERS
from reference_runtime.models import MODELS
from reference_runtime.ops import OPS

__all__ = ["BUILTINS", "install_builtins"]


def _function_name(fn: Any) -> str | None:
    if fn is activations.hard_sigmoid_keras2:
        return activations.KERAS2_HARD_SIGMOID
    name = activations.name_of(fn)
    if name is not None:
        return name
    for loss_name, f in losses.FUNCTIONS.items():
        if f is fn:
            return loss_name
    return None


BUILTINS = Builtins(
    tables=MappingProxyType(
        {
            "ops": OPS,
            "models": MODELS,
            "layers": LAYERS,
            "initializers": initializers.ALL_OBJECTS,
            "regularizers": regularizers.ALL_OBJECTS,
            "constraints": constraints.ALL_OBJECTS,
            "optimizers": optimizers.ALL_OBJECTS,
            "losses": losses.ALL_OBJECTS,
            "metrics": metrics.ALL_OBJECTS,
        }
    ),
    # An activation wins over a loss of the same name, as before the loss table
    # was consulted; Keras 2's hard_sigmoid keeps its own registered-style name.
    functions=MappingProxyType(
        {
            **losses.FUNCTIONS,
            **activations.ALL_OBJECTS_DICT,
            activations.KERAS2_HARD_SIGMOID: activations.hard_sigmoid_keras2,
        }
    ),
    function_name=_function_name,
)


def install_builtins() -> None:
    """Install :data:`BUILTINS` for serialization (idempotent)."""
    install(BUILTINS)
