"""The guide's two export examples ("Exporting" in the Keras saving guide), with
``import reference_runtime as keras``: ``model.export()`` and the MultiHeadAttention
``ExportArchive`` with two inputs and a variable collection.

One change to the guide's text: ``layer(x1, x2)`` returns a NumPy array here, so
``ref_output`` is ``np.asarray(...)`` instead of ``.numpy()``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow", reason="the tensorflow extra is not installed")

pytestmark = pytest.mark.tensorflow


def test_simple_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reference_runtime as keras

    monkeypatch.chdir(tmp_path)
    inputs = keras.Input(shape=(16,))
    x = keras.layers.Dense(8, activation="relu")(inputs)
    x = keras.layers.BatchNormalization()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)

    input_data = np.random.random((8, 16))
    output_data = model(input_data)  # **NOTE**: Make sure your model is built!

    # Export the model as a SavedModel artifact in a filepath.
    model.export("exported_model")

    # Reload the SavedModel artifact
    reloaded_artifact = tf.saved_model.load("exported_model")

    # Use the `.serve()` endpoint to call the forward pass on the input data
    new_output_data = reloaded_artifact.serve(input_data)

    np.testing.assert_allclose(new_output_data.numpy(), output_data, rtol=1e-5, atol=1e-6)
    printed = capsys.readouterr().out
    assert "Saved artifact at 'exported_model'" in printed
    assert "* Endpoint 'serve'" in printed


def test_export_archive_multi_head_attention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reference_runtime as keras

    monkeypatch.chdir(tmp_path)
    layer = keras.layers.MultiHeadAttention(2, 2)
    x1 = tf.random.normal((3, 2, 2))
    x2 = tf.random.normal((3, 2, 2))
    ref_output = np.asarray(layer(x1, x2))  # **NOTE**: Make sure layer is built!

    export_archive = keras.export.ExportArchive()  # Instantiate ExportArchive object
    export_archive.track(layer)  # Register the layer to be used
    export_archive.add_endpoint(  # New endpoint `call` corresponding to `model.call`
        "call",
        layer.call,
        input_signature=[  # input signature corresponding to 2 inputs
            tf.TensorSpec(
                shape=(None, 2, 2),
                dtype=tf.float32,
            ),
            tf.TensorSpec(
                shape=(None, 2, 2),
                dtype=tf.float32,
            ),
        ],
    )

    # Register the layer weights as a set of variables to be retrieved
    export_archive.add_variable_collection("my_vars", layer.weights)
    np.testing.assert_equal(len(export_archive.my_vars), 8)
    # weights corresponding to 2 inputs, each of which are 2*2

    # Save the artifact
    export_archive.write_out("exported_mha_layer")

    # Reload the artifact
    revived_layer = tf.saved_model.load("exported_mha_layer")
    np.testing.assert_allclose(
        ref_output,
        revived_layer.call(query=x1, value=x2).numpy(),
        atol=1e-6,
    )
    np.testing.assert_equal(len(revived_layer.my_vars), 8)
