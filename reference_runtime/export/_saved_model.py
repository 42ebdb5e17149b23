"""``export_saved_model``: a ``.keras`` file or a runtime model as a TensorFlow SavedModel.

Like ``keras-team/keras: keras/src/export/saved_model.py`` ``export_saved_model``:
one ``serve`` endpoint (also ``serving_default``) taking the model's input
signature with a free batch dimension (``export_utils.get_input_signature``:
Functional models take their input structure as one argument).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from reference_runtime._backend import map_structure
from reference_runtime.export._archive import ExportArchive, make_tensor_spec
from reference_runtime.models.functional import Functional
from reference_runtime.models.sequential import Sequential
from reference_runtime.saving import load_model

__all__ = ["DEFAULT_ENDPOINT_NAME", "export_saved_model", "get_input_signature"]

DEFAULT_ENDPOINT_NAME = "serve"


def get_input_signature(model: Any) -> list[Any]:
    """The ``tf.TensorSpec`` structure ``model.__call__`` takes (batch dimension ``None``).

    Raises:
        ValueError: the model has no known inputs (an unbuilt Sequential or a subclassed model).
    """
    if isinstance(model, Functional):
        struct = model._inputs_struct
        if isinstance(struct, (list, tuple)) and len(struct) == 1:
            # Keras 2 and 3.0 configs list a single input; serve takes the bare tensor
            # (as Keras's functional_from_config unwraps it).
            struct = struct[0]
        return [map_structure(make_tensor_spec, struct)]
    if isinstance(model, Sequential):
        if not model.inputs:
            raise ValueError(
                f"Sequential model {model.name!r} has no input shape: build it before export"
            )
        return [make_tensor_spec(model.inputs[0])]
    raise ValueError(
        f"cannot infer the input signature of {type(model).__name__} {model.name!r}: "
        "pass input_signature"
    )


def export_saved_model(
    source: Any,
    filepath: str | os.PathLike[str],
    *,
    input_signature: Any = None,
    custom_objects: Mapping[str, Any] | None = None,
    verbose: bool = False,
) -> None:
    """Export a model as a SavedModel with a ``serve`` endpoint computed by TensorFlow ops.

    Args:
        source: a ``.keras`` file or model directory (loaded with
            :func:`reference_runtime.load_model`), or a runtime model.
        filepath: the SavedModel directory to write.
        input_signature: the endpoint's arguments (default: the model's inputs).
        custom_objects: passed to ``load_model`` when ``source`` is a path.
        verbose: print the endpoints, as Keras does.

    Raises:
        UnsupportedFeatureError: a layer without a TensorFlow translation (named).
    """
    if isinstance(source, (str, os.PathLike)):
        model = load_model(source, custom_objects=custom_objects, compile=False)
    else:
        model = source
    if input_signature is None:
        input_signature = get_input_signature(model)
    archive = ExportArchive()
    archive.track_and_add_endpoint(DEFAULT_ENDPOINT_NAME, model, input_signature)
    archive.write_out(filepath, verbose=verbose)
