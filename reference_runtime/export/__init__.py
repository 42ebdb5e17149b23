"""TensorFlow SavedModel export of runtime models (the optional ``tensorflow`` extra).

``export_saved_model(source, path)`` writes a SavedModel whose ``serve``
endpoint computes the model with TensorFlow ops built from its config and
weights (no Keras at export or serving time); ``ExportArchive`` is the guide's
lower-level API (``track``, ``add_endpoint``, ``add_variable_collection``,
``write_out``). ``python -m reference_runtime.export MODEL.keras OUT_DIR`` is
the command line.

Importing this package does not import TensorFlow; the names below do, on
first use, and say how to install it when it is missing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reference_runtime.export._archive import ExportArchive
    from reference_runtime.export._registry import TF_LAYERS, register_tf_layer
    from reference_runtime.export._saved_model import export_saved_model, get_input_signature

__all__ = [
    "TF_LAYERS",
    "ExportArchive",
    "export_saved_model",
    "get_input_signature",
    "register_tf_layer",
]

_LAZY = {
    "ExportArchive": "reference_runtime.export._archive",
    "export_saved_model": "reference_runtime.export._saved_model",
    "get_input_signature": "reference_runtime.export._saved_model",
    "TF_LAYERS": "reference_runtime.export._registry",
    "register_tf_layer": "reference_runtime.export._registry",
}

# kformat is installed from its source tree, not from a package index: the hint
# names what pip can find (the extra's own packages), then the extra itself.
INSTALL_HINT = (
    "the TensorFlow export needs TensorFlow: pip install tensorflow-cpu "
    "(tensorflow on Apple silicon; or, in the kformat source tree, pip install '.[tensorflow]')"
)


def import_tensorflow() -> Any:
    """TensorFlow, or an ``ImportError`` saying how to install it."""
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return tf


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reference_runtime.export' has no attribute {name!r}")
    import_tensorflow()
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
