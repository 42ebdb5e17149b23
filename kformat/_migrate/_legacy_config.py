"""The ``model_config`` of a legacy HDF5 model brought to the ``.keras`` Keras 2 form.

Keras 2.2-2.12 wrote serialized objects without ``module`` /
``registered_name`` (``tf_keras/saving/legacy/serialization.py``
``serialize_keras_class_and_config``) and very old Sequential models as a bare
list of layers. Nested helper objects (initializers, regularizers,
constraints) get the public module of their kind, so Keras 3 resolves them
from ``keras.*`` only; layers and models are named by the layer rewrite
(``_layers3``), which refuses classes it does not know.
"""

from __future__ import annotations

from typing import Any

from kformat._migrate._report import Notes

__all__ = ["normalize_legacy"]

# Config key suffix -> the public module of the objects stored under it.
_KINDS = (
    ("_initializer", "keras.initializers"),
    ("_regularizer", "keras.regularizers"),
    ("_constraint", "keras.constraints"),
)


def normalize_legacy(config: dict[str, Any], notes: Notes) -> dict[str, Any]:
    """``config`` (changed in place where possible) in the Keras 2 ``.keras`` form."""
    if config.get("class_name") == "Sequential" and isinstance(config.get("config"), list):
        config["config"] = {"name": "sequential", "layers": config["config"]}
        notes.change("legacy Sequential layer list -> {name, layers}")
    _walk(config, notes)
    return config


def _walk(value: Any, notes: Notes) -> None:
    if isinstance(value, list):
        for item in value:
            _walk(item, notes)
        return
    if not isinstance(value, dict):
        return
    inner = value.get("config")
    if isinstance(inner, dict):
        for key, sub in inner.items():
            if isinstance(sub, dict) and "class_name" in sub and "module" not in sub:
                for suffix, module in _KINDS:
                    if key.endswith(suffix):
                        sub["module"] = module
                        sub.setdefault("registered_name", None)
                        notes.change("legacy helper objects given their keras.* module")
    for sub in value.values():
        _walk(sub, notes)
