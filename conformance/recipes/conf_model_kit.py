"""The runtime case models' kit: the ``@model`` registry and the helpers builders share.

A builder gets the Keras-style API (``reference_runtime``) as ``K`` and the case's seeded
generator and returns a :class:`conf_runtime.Built`. The ``conf_models_*`` modules register
their builders here; conf_models.py imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from conf_runtime import Built

MODELS: dict[str, tuple[str, Callable[[Any, np.random.Generator], Built]]] = {}

#: Keras 3 activations that take no extra argument (spec §5.10; ``swish`` and
#: ``hard_swish`` are aliases that serialize as ``silu`` / ``hard_silu``).
ACTIVATIONS = [
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "tanh",
    "tanh_shrink",
]


def model(name: str, description: str) -> Callable[[Callable[..., Built]], Callable[..., Built]]:
    def register(fn: Callable[..., Built]) -> Callable[..., Built]:
        assert name not in MODELS, name
        MODELS[name] = (description, fn)
        return fn

    return register


def normal(rng: np.random.Generator, *shape: int) -> np.ndarray[Any, Any]:
    return rng.standard_normal(shape).astype("float32")


def functional(
    K: Any,
    inputs: dict[str, tuple[int, ...]],
    body: Callable[..., Any],
    rng: np.random.Generator,
    batch: int = 3,
    structure: str | None = None,
    **kw: Any,
) -> Built:
    """A Functional model over named float inputs: ``body(*tensors)`` gives the outputs."""
    tensors = {n: K.Input(shape=s, name=n) for n, s in inputs.items()}
    structure = structure or ("single" if len(inputs) == 1 else "list")
    args = list(tensors.values())
    outputs = body(*args)
    ins: Any = args[0] if structure == "single" else (tensors if structure == "dict" else args)
    m = K.Model(ins, outputs)
    data = {n: normal(rng, batch, *s) for n, s in inputs.items()}
    return Built(m, data, structure, **kw)
