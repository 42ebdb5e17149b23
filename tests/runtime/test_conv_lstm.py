"""ConvLSTM1D/2D/3D against real Keras: strides, padding, dilation, data formats,
return_sequences/return_state, go_backwards, masks; the cell's own H5 group."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems
from runtime_oracle import random_inputs

import reference_runtime as rr
from kformat import layer_specs
from kformat.errors import UnsupportedFeatureError

pytestmark = pytest.mark.oracle


def _sequences(batch: int) -> list[np.ndarray[Any, Any]]:
    return random_inputs(
        [
            ((batch, 3, 6, 6, 2), "float32"),
            ((batch, 3, 2, 5, 5), "float32"),
            ((batch, 3, 7, 3), "float32"),
            ((batch, 3, 4, 4, 4, 1), "float32"),
            ((batch, 7, 2), "float32"),
            ((batch, 7, 2), "float32"),
        ]
    )


def test_conv_lstm_variants_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        L = keras.layers
        a = keras.Input((3, 6, 6, 2))
        b = keras.Input((3, 2, 5, 5))
        c = keras.Input((3, 7, 3))
        d = keras.Input((3, 4, 4, 4, 1))
        h0, c0 = keras.Input((7, 2)), keras.Input((7, 2))  # initial states
        outs = [
            L.ConvLSTM2D(
                2, 3, padding="same", dilation_rate=2, return_sequences=True, go_backwards=True
            )(a),
            *L.ConvLSTM2D(
                3,
                (3, 2),
                strides=2,
                return_state=True,
                use_bias=False,
                activation="relu",
                recurrent_activation="hard_sigmoid",
                unit_forget_bias=False,
                name="with_state",
            )(a),
            *L.ConvLSTM2D(
                2,
                3,
                strides=(2, 1),
                padding="SAME",
                data_format="channels_first",
                return_sequences=True,
                return_state=True,
            )(b),
            L.ConvLSTM1D(2, 3, strides=2, padding="same", return_sequences=True, go_backwards=True)(
                c
            ),
            L.ConvLSTM3D(2, 2, padding="same")(d),
            L.ConvLSTM1D(2, 3, padding="same")(c, initial_state=[h0, c0]),
        ]
        return keras.Model([a, b, c, d, h0, c0], outs)

    ours = check_layer("ConvLSTM", tmp_path, build, _sequences(2))
    # The variables are the cell's: <layer>/cell/vars, the layer's own vars empty
    with zipfile.ZipFile(tmp_path / "keras_written.keras") as z:
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    assert h5["layers/conv_lstm2d_1/cell/vars/0"].shape == (3, 2, 2, 12)
    assert "2" not in h5["layers/conv_lstm2d_1/cell/vars"]  # use_bias=False
    assert h5["layers/conv_lstm3d/cell/vars/2"].shape == (8,)
    assert len(h5["layers/conv_lstm2d/vars"]) == 0
    layer = ours.get_layer("with_state")
    assert layer.compute_output_shape((None, 3, 6, 6, 2)) == [(None, 2, 3, 3)] * 3


def test_conv_lstm_shapes() -> None:
    config = {"filters": 4, "kernel_size": [3], "padding": "valid", "return_state": True}
    specs = layer_specs.sublayers("ConvLSTM1D", config, (None, 5, 9, 2))
    assert [(v.name, v.shape) for v in specs[0].variables or ()] == [
        ("kernel", (3, 2, 16)),
        ("recurrent_kernel", (3, 4, 16)),
        ("bias", (16,)),
    ]
    assert specs[0].attr == "cell" and specs[0].input_shape == (None, 9, 2)
    assert layer_specs.variables("ConvLSTM1D", config, (None, 5, 9, 2)) == ()
    from kformat.layers import conv_lstm

    assert conv_lstm.output_shapes(config, (None, 5, 9, 2), 1) == [(None, 7, 4)] * 3
    seq = {**config, "return_state": False, "return_sequences": True}
    assert conv_lstm.CONV_LSTM1D.output_shape(seq, (None, 5, 9, 2)) == (None, 5, 7, 4)


def test_conv_lstm_refusals(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="filters"):
        rr.layers.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="padding"):
        rr.layers.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="data_format"):
        rr.layers.ConvLSTM3D(2, 3, data_format="nchw")
    with pytest.raises(ValueError, match="dilation"):
        rr.layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)(np.ones((1, 2, 6, 6, 1), "float32"))
    with pytest.raises(ValueError, match="rank 5"):
        rr.layers.ConvLSTM2D(2, 3)(np.ones((1, 6, 6, 1), "float32"))
    stateful = rr.layers.ConvLSTM1D(2, 3, stateful=True)
    with pytest.raises(UnsupportedFeatureError, match="stateful"):
        stateful(np.ones((1, 2, 6, 1), "float32"))
    # the validator: a value Keras refuses is KF305
    model = rr.Sequential([rr.layers.Input((3, 5, 5, 1)), rr.layers.ConvLSTM2D(2, 3)])
    path = tmp_path / "ok.keras"
    model.save(path)
    assert validation_problems(path) == []
    set_config_key(path, "ConvLSTM2D", "padding", "full")
    assert any(p.startswith("KF305") for p in validation_problems(path))


def test_conv_lstm_twin_with_unknown_steps() -> None:
    # An unknown number of steps runs the TensorFlow twin's tf.scan loop (a known
    # number is unrolled, as in the Keras models above).
    layers = rr.layers
    x = layers.Input((None, 5, 5, 2))
    seq = layers.ConvLSTM2D(3, 2, padding="same", return_sequences=True, go_backwards=True)(x)
    out, h, c = layers.ConvLSTM2D(2, 3, data_format="channels_first", return_state=True)(
        layers.Permute((1, 4, 2, 3))(seq)
    )
    model = rr.Model(x, [seq, out, h, c])
    rng = np.random.default_rng(3)
    model.set_weights([0.5 * rng.standard_normal(w.shape).astype("float32") for w in model.weights])
    feed = rng.standard_normal((2, 4, 5, 5, 2)).astype("float32")
    tf = pytest.importorskip("tensorflow")
    from reference_runtime.export import ExportArchive

    spec = tf.TensorSpec((None, None, 5, 5, 2), tf.float32)  # the steps unknown when traced
    fn = ExportArchive().add_endpoint("serve", model, [spec])
    got = [t.numpy() for t in fn(feed)]
    for g, w in zip(got, model.predict(feed), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
