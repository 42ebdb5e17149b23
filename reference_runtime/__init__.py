"""reference_runtime: run and save Keras ``.keras`` models with NumPy only.

``import reference_runtime as keras`` gives the names the Keras saving guide
uses (``Input``, ``Model``, ``Sequential``, ``layers``, ``models``, ``saving``,
``initializers``, ``regularizers``, ...) for inference and saving workflows;
there is no training. Files are read and written through :mod:`kformat`.
``clear_session()`` (also ``utils.clear_session`` and ``backend.clear_session``)
restarts automatic layer names (``dense``, ``dense_1``, ...) as Keras's does.
"""

from __future__ import annotations

# One distribution, one version: pyproject.toml reads kformat.__version__.
from kformat import __version__ as __version__
from reference_runtime import (
    _registry,
    activations,
    backend,
    constraints,
    dtype_policies,
    export,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    saving,
    utils,
)
from reference_runtime._backend import clear_session
from reference_runtime.dtype_policies import DTypePolicy
from reference_runtime.layers import Input, Layer
from reference_runtime.models import Model, Sequential
from reference_runtime.saving import load_model, save_model

_registry.install_builtins()

__all__ = [
    "DTypePolicy",
    "Input",
    "Layer",
    "Model",
    "Sequential",
    "activations",
    "backend",
    "clear_session",
    "constraints",
    "dtype_policies",
    "export",
    "initializers",
    "layers",
    "load_model",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "regularizers",
    "save_model",
    "saving",
    "utils",
]
