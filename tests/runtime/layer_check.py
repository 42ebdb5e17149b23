"""One check for a layer class of the catalogue, against real Keras, end to end.

:func:`check_layer` builds a model with real Keras (random non-trivial weights),
then asserts that

1. the runtime loads Keras' file and predicts Keras' outputs, Keras loads the
   runtime's re-save and predicts the same, and ``model_from_json`` +
   ``set_weights`` agree (``runtime_oracle.roundtrip``);
2. the validator finds no error and no KF310 in Keras' file (the class is
   modelled in depth: config fields, weight shapes, output shapes);
3. the TensorFlow twin, traced as the SavedModel endpoint is, gives the
   runtime's outputs (when TensorFlow is installed).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from runtime_oracle import ATOL, RTOL, assert_close, roundtrip

from kformat.validate import iter_issues

__all__ = ["check_layer", "export_outputs", "set_config_key", "validation_problems"]


def validation_problems(path: Path) -> list[str]:
    """Errors and KF310 findings of a file, as text."""
    return [
        f"{i.code} {i.path}: {i.message}"
        for i in iter_issues(path)
        if i.severity == "error" or i.code == "KF310"
    ]


def set_config_key(path: Path, class_name: str, key: str, value: Any) -> None:
    """Rewrite ``config.json`` of the archive at ``path``: ``key`` of every
    top-level layer of ``class_name`` becomes ``value`` (a value a test wants
    the validator to judge)."""
    import json
    import zipfile

    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = json.loads(members["config.json"])
    for entry in config["config"]["layers"]:
        if entry["class_name"] == class_name:
            entry["config"][key] = value
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def export_outputs(model: Any, feed: Any) -> Any:
    """The model's outputs computed by its TensorFlow translation, traced as
    ``ExportArchive.add_endpoint`` traces a SavedModel endpoint; ``None``
    without TensorFlow."""
    try:
        import tensorflow as tf
    except ImportError:
        return None
    from reference_runtime.export import ExportArchive

    def spec(x: Any) -> Any:
        dtype = np.asarray(x).dtype
        # str / bytes / object arrays are tf.string inputs (text layers)
        tf_dtype = tf.string if dtype.kind in "USO" else tf.as_dtype(dtype)
        return tf.TensorSpec((None, *np.shape(x)[1:]), tf_dtype)

    # A multi-input model takes one argument: the list of its inputs.
    fn = ExportArchive().add_endpoint("serve", model, [tf.nest.map_structure(spec, feed)])
    out = fn(feed)
    return tf.nest.map_structure(lambda t: t.numpy(), out)


def check_layer(
    name: str,
    tmp_path: Path,
    build: Callable[[Any], Any],
    data: list[np.ndarray[Any, Any]],
    rtol: float = RTOL,
    atol: float = ATOL,
    export: bool = True,
    keras_reload: bool = True,
    randomize: bool = True,
) -> Any:
    """Run the three checks above; returns the runtime model. ``randomize=False``
    keeps the weights ``build`` gave (state Keras caches outside its variables,
    such as adapted statistics, would not follow ``set_weights``)."""
    ours = roundtrip(
        name, tmp_path, build, data, rtol, atol, randomize=randomize, keras_reload=keras_reload
    )
    problems = validation_problems(tmp_path / "keras_written.keras")
    assert not problems, problems
    problems = validation_problems(tmp_path / "runtime_written.keras")
    assert not problems, problems
    if export:
        feed: Any = data if len(data) != 1 else data[0]
        got = export_outputs(ours, feed)
        if got is not None:
            assert_close(f"{name} (TensorFlow)", got, ours.predict(feed), rtol, atol)
    return ours
