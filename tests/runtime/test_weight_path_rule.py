"""The runtime saves and loads at the paths :mod:`kformat.weight_paths` derives.

One naming rule (spec §6.5-§6.7): for every model of the conformance corpus
the runtime's walk places each object at the path the validator derives from
the file's config, and a re-save writes exactly the derived ``vars`` groups.
Custom layers, whose sub-layers no config names, are walked by attribute.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_keras_files import CUSTOM  # the corpus's custom layer twin

import kformat
import reference_runtime as rr
from kformat import weight_paths
from reference_runtime.saving import _state
from reference_runtime.saving.serialization_lib import serialize_keras_object

CORPUS = Path(__file__).resolve().parents[2] / "conformance"


def _model_files() -> list[Path]:
    files = []
    for case in sorted((CORPUS / "keras_files").glob("*/*")):
        made = case / "made.json"
        if made.is_file():
            info = json.loads(made.read_text())
            files.append(case / info.get("architecture_file", info["model_file"]))
    files += sorted((CORPUS / "runtime").glob("*/model.keras"))
    return files


FILES = _model_files()


def _load(path: Path) -> tuple[Any, kformat.KerasArchive]:
    archive = kformat.read(path)
    try:
        model = rr.load_model(path, custom_objects=CUSTOM)
    except kformat.KFormatError:
        made = json.loads((path.parent / "made.json").read_text())
        # Files their own writer could not reload either (Keras 3.0.x layernorm_rms).
        assert str(made.get("reload_check", "")).startswith("failed")
        pytest.skip("refused, as by its writer")
    return model, archive


@pytest.mark.skipif(not FILES, reason="the conformance corpus is not generated")
@pytest.mark.parametrize(
    "path", FILES, ids=[f"{p.parent.parent.name}/{p.parent.name}" for p in FILES]
)
def test_runtime_paths_are_the_derived_paths(path: Path) -> None:
    model, archive = _load(path)
    assert archive.config is not None
    version = (archive.metadata or {}).get("keras_version")
    generation = weight_paths.generation_from_version(version)
    keras2 = generation in ("keras2", "keras2.13")
    # Reading: every object the file's writer saved is where the runtime looks.
    read = {p: type(e.obj).__name__ for e in _state.walk(model, keras2=keras2) for p in e.paths}
    if generation == "keras2.13":
        read.update({weight_paths.layer_checkpoint_alias(p): c for p, c in list(read.items())})
    for obj in weight_paths.object_paths(archive.config, generation):
        assert obj.path in read, f"{obj.path} ({obj.class_name}) is not read by the runtime"
        # The runtime class may carry the exported spelling (GroupQueryAttention).
        assert weight_paths.python_class_name(read[obj.path]) == weight_paths.python_class_name(
            obj.class_name
        )
    # Writing: exactly the vars groups the rule derives, from the file's config
    # and from the config the runtime writes (optimizer state aside, §6.9).
    _, groups = _state.collect_state(model)
    written = sorted(g for g in groups if g.endswith("vars") and not g.startswith("/optimizer/"))
    from_file = sorted(o.vars for o in weight_paths.object_paths(archive.config, "keras3"))
    from_own = sorted(o.vars for o in weight_paths.object_paths(serialize_keras_object(model)))
    assert written == from_own == from_file


def _block(base: Any, layers: Any) -> Any:
    class Block(base):  # type: ignore[misc, valid-type]
        """Sub-layers no config names: an attribute, a property over a private
        attribute, a list, and a built-in layer with sub-layers of its own."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.attn = layers.MultiHeadAttention(num_heads=2, key_dim=2)
            self._proj = layers.Dense(4)
            self.steps = [layers.Dense(4), layers.Dense(4)]

        @property
        def proj(self) -> Any:
            return self._proj

        def call(self, x: Any) -> Any:
            h = self.attn(x, x)
            for step in self.steps:
                h = step(h)
            return self._proj(h)

    return Block


@pytest.mark.oracle
def test_custom_layer_paths_match_keras(tmp_path: Path, keras: Any) -> None:
    groups = []
    for lib, save in ((keras, keras.saving.save_model), (rr, rr.saving.save_model)):
        x = lib.Input((3, 4))
        model = lib.Model(x, _block(lib.layers.Layer, lib.layers)(name="block")(x))
        save(model, tmp_path / f"{lib.__name__}.keras")
        groups.append(set(kformat.read(tmp_path / f"{lib.__name__}.keras").groups))
    assert "/layers/block/proj/vars" in groups[1]
    assert "/layers/block/attn/query_dense/vars" in groups[1]
    assert groups[1] == groups[0]


def test_custom_property_errors_are_not_swallowed() -> None:
    class Broken(rr.layers.Layer):
        @property
        def helper(self) -> Any:
            raise RuntimeError("a bug in the custom layer")

        def call(self, x: Any) -> Any:
            return x

    class Unbuilt(rr.layers.Layer):
        @property
        def later(self) -> Any:
            return self._later  # made by build(), which never ran

        def call(self, x: Any) -> Any:
            return x

    x = rr.Input((2,))
    fine = rr.Model(x, Unbuilt(name="u")(x))
    assert "/layers/unbuilt/vars" in _state.collect_state(fine)[1]
    model = rr.Model(x, Broken(name="b")(x))
    with pytest.raises(RuntimeError, match="a bug in the custom layer"):
        _state.collect_state(model)
