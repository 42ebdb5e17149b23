"""``ExportArchive``, ``export_saved_model``, ``model.export`` and the command line.

One archive with several endpoints is written once per module and reloaded;
the tests read it back (endpoints, signatures, variable collections,
``saved_model_cli``). Refusals name the layer they cannot translate.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import reference_runtime as rr
from kformat.errors import UnsupportedFeatureError

tf = pytest.importorskip("tensorflow", reason="the tensorflow extra is not installed")

from reference_runtime.export import ExportArchive, export_saved_model  # noqa: E402
from reference_runtime.export.__main__ import main as cli_main  # noqa: E402

pytestmark = pytest.mark.tensorflow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "guide_functional.keras"


def _dict_model() -> Any:
    a = rr.Input((3,), name="a")
    b = rr.Input((2,), name="b")
    h = rr.layers.Concatenate()([rr.layers.Dense(4, name="da")(a), b])
    return rr.Model({"a": a, "b": b}, {"y": rr.layers.Dense(2, name="head")(h), "h": h})


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A written and reloaded archive: a dict-in/dict-out model, an MHA layer, a TF function."""
    model = _dict_model()
    mha = rr.layers.MultiHeadAttention(2, 3, name="mha")
    q = np.random.default_rng(0).normal(size=(2, 4, 5)).astype("float32")
    mha(q, q)
    arch = ExportArchive()
    arch.track(model)
    serve = arch.add_endpoint(
        "serve",
        model,
        input_signature=[
            {"a": tf.TensorSpec((None, 3), tf.float32), "b": tf.TensorSpec((None, 2), tf.float32)}
        ],
    )
    arch.add_endpoint("attend", mha.call, input_signature=[tf.TensorSpec((None, 4, 5))] * 2)

    @tf.function(autograph=False)
    def head_only(x: Any) -> Any:
        return serve({"a": x, "b": tf.zeros((tf.shape(x)[0], 2))})["y"] * 2.0

    head_only.get_concrete_function(tf.TensorSpec((None, 3)))  # traced: no input_signature needed
    arch.add_endpoint("head_only", head_only)
    arch.add_variable_collection("head_vars", model.get_layer("head").weights)
    arch.add_variable_collection("mha_vars", mha.weights)
    path = tmp_path_factory.mktemp("archive") / "multi"
    arch.write_out(path, verbose=False)
    feed = {"a": np.ones((2, 3), "float32"), "b": np.full((2, 2), 0.5, "float32")}
    return {
        "arch": arch,
        "path": path,
        "loaded": tf.saved_model.load(str(path)),
        "model": model,
        "mha": mha,
        "q": q,
        "feed": feed,
    }


def test_several_endpoints(archive: dict[str, Any]) -> None:
    loaded, model, feed = archive["loaded"], archive["model"], archive["feed"]
    want = model(feed)
    got = loaded.serve(feed)
    assert set(got) == {"y", "h"}
    for k in want:
        np.testing.assert_allclose(got[k].numpy(), want[k], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        loaded.attend(archive["q"], archive["q"]).numpy(),
        archive["mha"](archive["q"], archive["q"]),
        rtol=1e-5,
        atol=1e-6,
    )
    zeros = {"a": feed["a"], "b": np.zeros((2, 2), "float32")}
    np.testing.assert_allclose(
        loaded.head_only(feed["a"]).numpy(), 2 * model(zeros)["y"], rtol=1e-5, atol=1e-6
    )


def test_signatures_for_serving(archive: dict[str, Any]) -> None:
    loaded, feed = archive["loaded"], archive["feed"]
    assert set(loaded.signatures) == {"serve", "attend", "head_only", "serving_default"}
    out = loaded.signatures["serving_default"](a=tf.constant(feed["a"]), b=tf.constant(feed["b"]))
    assert set(out) == {"y", "h"}
    np.testing.assert_allclose(out["y"].numpy(), loaded.serve(feed)["y"].numpy())


def test_variable_collections_after_reload(archive: dict[str, Any]) -> None:
    loaded, model, mha = archive["loaded"], archive["model"], archive["mha"]
    assert len(archive["arch"].mha_vars) == len(mha.weights) == 8
    assert len(loaded.mha_vars) == 8
    head = model.get_layer("head")
    assert [v.shape for v in loaded.head_vars] == [w.shape for w in head.weights]
    for got, want in zip(loaded.head_vars, head.weights, strict=True):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    # Every weight of the tracked model and layer (an endpoint's owner is tracked), once.
    assert len(loaded.variables) == len(model.weights) + len(mha.weights)
    assert len(archive["arch"].variables) == len(model.weights) + len(mha.weights)


def test_saved_model_cli_show(archive: dict[str, Any]) -> None:
    cli = shutil.which("saved_model_cli") or str(Path(sys.executable).parent / "saved_model_cli")
    if not Path(cli).exists():
        pytest.skip("saved_model_cli is not installed")
    out = subprocess.run(
        [cli, "show", "--dir", str(archive["path"]), "--all"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "signature_def['serving_default']" in out.stdout
    assert "signature_def['attend']" in out.stdout


def test_model_export_and_function(tmp_path: Path) -> None:
    model = rr.Sequential([rr.layers.Dense(4, activation="relu"), rr.layers.Dense(1)])
    model.build((None, 3))
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    model.export(tmp_path / "seq", verbose=False)
    export_saved_model(EXAMPLE, tmp_path / "file")
    seq = tf.saved_model.load(str(tmp_path / "seq"))  # keep the object: it owns the variables
    np.testing.assert_allclose(seq.serve(x).numpy(), model(x), rtol=1e-5, atol=1e-6)
    reference = rr.load_model(EXAMPLE)
    x32 = np.random.default_rng(2).normal(size=(3, 32)).astype("float32")
    from_file = tf.saved_model.load(str(tmp_path / "file"))
    np.testing.assert_allclose(from_file.serve(x32).numpy(), reference(x32), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="format"):
        model.export(tmp_path / "onnx", format="onnx")


def test_nested_outputs_get_flat_signature_keys(tmp_path: Path) -> None:
    x = rr.Input((3,), name="x")
    model = rr.Model(x, {"pair": [rr.layers.Dense(2)(x), rr.layers.Dense(1)(x)]})
    export_saved_model(model, tmp_path / "nested")
    loaded = tf.saved_model.load(str(tmp_path / "nested"))
    assert set(loaded.signatures["serving_default"].structured_outputs) == {
        "output_pair_0",
        "output_pair_1",
    }
    out = loaded.serve(np.ones((2, 3), "float32"))
    assert [t.shape for t in out["pair"]] == [(2, 2), (2, 1)]


def test_refusals_name_the_layer(tmp_path: Path) -> None:
    class Twice(rr.layers.Layer):
        def call(self, inputs: Any) -> Any:
            return inputs * 2

    x = rr.Input((3,))
    model = rr.Model(x, Twice(name="twice")(rr.layers.Dense(2)(x)))
    with pytest.raises(UnsupportedFeatureError, match=r"'twice' of class Twice"):
        export_saved_model(model, tmp_path / "custom")

    lam = rr.Model(x, rr.layers.Lambda(lambda t: t + 1, name="plus_one")(x))
    with pytest.raises(UnsupportedFeatureError, match="Lambda layer 'plus_one'"):
        export_saved_model(lam, tmp_path / "lambda")

    subclassed = Twice(name="sub")
    with pytest.raises(ValueError, match="input signature"):
        export_saved_model(rr.Model(), tmp_path / "subclassed")
    arch = ExportArchive()
    with pytest.raises(ValueError, match="not been built"):
        arch.track(subclassed)
    with pytest.raises(ValueError, match="input_signature"):
        arch.add_endpoint("f", lambda t: t)
    with pytest.raises(ValueError, match="No endpoints"):
        arch.write_out(tmp_path / "empty")
    with pytest.raises(ValueError, match="NumPy code"):
        arch.add_endpoint("g", lambda t: model(t), input_signature=[tf.TensorSpec((None, 3))])
    arch.add_endpoint("f", tf.identity, input_signature=[tf.TensorSpec((None,))])
    with pytest.raises(ValueError, match="already taken"):
        arch.add_endpoint("f", tf.identity, input_signature=[tf.TensorSpec((None,))])


def test_registered_custom_layer_exports(tmp_path: Path) -> None:
    from reference_runtime.export import register_tf_layer

    class Scale(rr.layers.Layer):
        def build(self, input_shape: Any) -> None:
            self.k = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="k")

        def call(self, inputs: Any) -> Any:
            return inputs * self.k.value * 3

    register_tf_layer(Scale, lambda ctx, layer, inputs: inputs * ctx.read(layer.k, layer) * 3)
    x = rr.Input((2,))
    model = rr.Model(x, Scale()(x))
    model.export(tmp_path / "scale", verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "scale"))
    np.testing.assert_array_equal(loaded.serve(np.ones((1, 2), "float32")).numpy(), [[3.0, 3.0]])


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main([str(EXAMPLE), str(tmp_path / "out")]) == 0
    assert "* Endpoint 'serve'" in capsys.readouterr().out
    assert (tmp_path / "out" / "saved_model.pb").is_file()
    assert cli_main([str(tmp_path / "missing.keras"), str(tmp_path / "o2")]) == 2
    custom = Path(__file__).resolve().parents[2] / "conformance" / "keras_files"
    case = custom / "keras-3.15.1" / "custom_registered" / "model.keras"
    if case.is_file():  # the custom class is not registered: refused, named
        assert cli_main(["-q", str(case), str(tmp_path / "o3")]) == 1
        assert "ScaleShift" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli_main([])
    assert exc.value.code == 2


def test_every_runtime_class_has_a_translation() -> None:
    from reference_runtime import activations
    from reference_runtime.export import TF_LAYERS
    from reference_runtime.export._activations import TF_ACTIVATIONS
    from reference_runtime.export._ops import TF_FUNCTIONS, TF_OPS
    from reference_runtime.layers import LAYERS
    from reference_runtime.layers.tf_op_lambda import TF_FUNCTIONS as RT_FUNCTIONS
    from reference_runtime.ops import OPS

    assert set(LAYERS) <= set(TF_LAYERS)
    assert set(OPS) <= set(TF_OPS)
    assert set(RT_FUNCTIONS) <= set(TF_FUNCTIONS)
    assert set(activations.ALL_OBJECTS_DICT) <= set(TF_ACTIVATIONS)
