"""Invalid cases in the weights: the weights warnings and the faults a converter is likely
to make (a missing MultiHeadAttention projection, a vector of the wrong length, links).
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import h5py
import ml_dtypes
import numpy as np
from conf_invalid_kit import (
    W,
    invalid,
    keras_file,
    kformat_weights,
    members,
    rezip,
    seq,
    with_weights,
)
from conf_kit import (
    CaseDef,
    h5_bytes,
    h5_tree,
    issue,
)
from conf_models import base_archive
from conf_quirks import keras30, tf_keras

# --------------------------------------------------------------------------- weights warnings


def weights_warnings() -> list[CaseDef]:
    base = seq()
    k = np.asarray(base.weights["/layers/dense/vars/0"])
    rng = np.random.default_rng(4)
    f8 = rng.standard_normal((2, 2)).astype(ml_dtypes.float8_e4m3fn)
    raw = rng.standard_normal((2, 2)).astype(ml_dtypes.bfloat16).view("V2")
    nan_bias = np.asarray(base.weights["/layers/dense/vars/1"]).copy()
    nan_bias[1] = np.nan

    def chunked(f: Any) -> None:
        h5_tree(
            {p: a for p, a in base.weights.items() if p != "/layers/dense/vars/0"}, base.groups
        )(f)
        f.create_dataset("/layers/dense/vars/0", data=k, chunks=(3, 5))

    def attr(f: Any) -> None:
        h5_tree(base.weights, base.groups)(f)
        f["/layers/dense/vars"].attrs["note"] = "written by hand"

    m = members(base)
    opt = {
        "/optimizer/vars/0": np.array(3, "int32"),
        "/optimizer/vars/1": np.array(0.01, "float32"),
    }
    return [
        invalid(
            "weights",
            "chunked_dataset",
            "a chunked kernel dataset (Keras writes contiguous datasets only)",
            "KF416",
            rezip({**m, W: h5_bytes(chunked)}),
            [issue("KF416", W, "/layers/dense/vars/0", "warning")],
        ),
        invalid(
            "weights",
            "float8_marked",
            "a dataset marked float8_e4m3fn (kformat reads it; Keras converts only bfloat16)",
            "KF417",
            kformat_weights({"/layers/d/vars/0": f8}),
            [issue("KF417", "model.weights.h5", "/layers/d/vars/0", "warning")],
            layout="weights_h5",
        ),
        invalid(
            "weights",
            "opaque_unmarked",
            "2-byte opaque data without a dtype attribute and no config saying it is bfloat16",
            "KF418",
            kformat_weights({"/layers/d/vars/0": raw}),
            [issue("KF418", "model.weights.h5", "/layers/d/vars/0", "warning")],
            layout="weights_h5",
        ),
        invalid(
            "weights",
            "unread_group",
            "a group /layers/ghost that no object of the config maps to",
            "KF423",
            keras_file(with_weights(base, {"/layers/ghost/vars/0": np.ones(3, "float32")})),
            [issue("KF423", W, "/layers/ghost", "warning")],
        ),
        invalid(
            "weights",
            "nan_weight",
            "a NaN in a bias (reported with --deep, which reads the weights)",
            "KF424",
            keras_file(with_weights(base, {"/layers/dense/vars/1": nan_bias})),
            [issue("KF424", W, "/layers/dense/vars/1", "warning")],
            deep=True,
        ),
        invalid(
            "weights",
            "vars_name_mismatch",
            "the vars group of layer 'dense' names 'dense_1'",
            "KF425",
            keras_file(with_weights(base, groups={"/layers/dense/vars": {"name": "dense_1"}})),
            [issue("KF425", W, "/layers/dense/vars", "warning")],
        ),
        invalid(
            "weights",
            "optimizer_without_compile",
            "optimizer state in a model whose compile_config names no optimizer",
            "KF426",
            keras_file(with_weights(base, opt, groups={"/optimizer/vars": {"name": "adam"}})),
            [issue("KF426", W, "/optimizer/vars", "warning")],
        ),
        invalid(
            "weights",
            "dtype_differs_from_policy",
            "a float64 kernel in a float32 layer",
            "KF427",
            keras_file(with_weights(base, {"/layers/dense/vars/0": k.astype("float64")})),
            [issue("KF427", W, "/layers/dense/vars/0", "warning")],
        ),
        invalid(
            "weights",
            "unexpected_attribute",
            "an attribute 'note' on a vars group",
            "KF428",
            rezip({**m, W: h5_bytes(attr)}),
            [issue("KF428", W, "/layers/dense/vars", "warning")],
        ),
    ]


# --------------------------------------------------------------------------- converter faults


def weight_cases() -> list[CaseDef]:
    mha = base_archive("mha_cross", "kf420")
    mq = "/layers/multi_head_attention/query_dense/vars/0"
    legacy = keras30(base_archive("mha_cross", "kf422_legacy"))
    lq = "/layers/multi_head_attention/_query_dense/vars/0"
    bn = base_archive("batchnorm_axis1", "kf422_bn")
    ln = base_archive("layernorm_last_axis", "kf421")
    nested = base_archive("nested_sequential_in_functional", "kf420_ckpt")
    ckpt = tf_keras(nested, version="2.14.1", checkpoint=True)
    cb = "/_layer_checkpoint_dependencies/sequential/_layer_checkpoint_dependencies/batch_normalization/vars/3"
    base = seq()
    return [
        invalid(
            "weights",
            "mha_projection_variable_missing",
            "MultiHeadAttention's key projection without its bias",
            "KF420",
            keras_file(with_weights(mha, drop=("/layers/multi_head_attention/key_dense/vars/1",))),
            [issue("KF420", W, "/layers/multi_head_attention/key_dense/vars/1")],
        ),
        invalid(
            "weights",
            "mha_query_kernel_shape",
            "MultiHeadAttention query kernel of shape (8, 2, 5) where the config implies (8, 2, 4)",
            "KF422",
            keras_file(with_weights(mha, {mq: np.zeros((8, 2, 5), "float32")})),
            [issue("KF422", W, mq)],
        ),
        invalid(
            "weights",
            "mha_legacy_alias_shape",
            "Keras 3.0.1 layout (_query_dense): the "
            "query kernel has the wrong shape at the alias path",
            "KF422",
            keras_file(with_weights(legacy, {lq: np.zeros((8, 3, 4), "float32")})),
            [issue("KF422", W, lq)],
        ),
        invalid(
            "weights",
            "batchnorm_gamma_length",
            "BatchNormalization(axis=1) gamma of length 5 where the axis has 4",
            "KF422",
            keras_file(
                with_weights(bn, {"/layers/batch_normalization/vars/0": np.ones(5, "float32")})
            ),
            [issue("KF422", W, "/layers/batch_normalization/vars/0")],
        ),
        invalid(
            "weights",
            "layernorm_extra_variable",
            "LayerNormalization with a third dataset vars/2",
            "KF421",
            keras_file(
                with_weights(ln, {"/layers/layer_normalization/vars/2": np.ones(6, "float32")})
            ),
            [issue("KF421", W, "/layers/layer_normalization/vars/2")],
        ),
        invalid(
            "weights",
            "vars_subgroup",
            "a sub-group inside a vars group",
            "KF421",
            keras_file(with_weights(base, {"/layers/dense/vars/extra/0": np.ones(2, "float32")})),
            [issue("KF421", W, "/layers/dense/vars/extra")],
        ),
        invalid(
            "weights",
            "layer_checkpoint_variable_missing",
            "tf.keras 2.14 layout "
            "(_layer_checkpoint_dependencies): a nested BatchNormalization without "
            "moving_variance",
            "KF420",
            keras_file(with_weights(ckpt, drop=(cb,))),
            [issue("KF420", W, cb)],
        ),
        invalid(
            "weights",
            "link_name_with_slash",
            "an HDF5 link whose name contains '/' "
            "(patched into the file; HDF5's API refuses to create one)",
            "KF404",
            {"model.weights.h5": _slash_link()},
            [issue("KF404", "model.weights.h5", "/layers/extra/z/")],
            layout="weights_h5",
        ),
        invalid(
            "weights",
            "windows_backslash_paths",
            "the tf.keras 2.14 layout as saved on Windows: each object's group named with "
            "backslashes at the root (_layer_checkpoint_dependencies\\sequential\\...)",
            "KF438",
            keras_file(_windows(ckpt)),
            [
                issue(
                    "KF438",
                    W,
                    min(
                        _windows_path(g).removesuffix("/vars")
                        for g in ckpt.groups
                        if g.endswith("/vars") and g != "/vars"
                    ),
                )
            ],
        ),
        invalid(
            "weights",
            "not_keras_layout",
            "an arbitrary HDF5 file as .weights.h5: one dataset /x, no /layers or /vars group",
            "KF437",
            {"model.weights.h5": h5_bytes(lambda f: f.create_dataset("x", data=np.arange(3.0)))},
            [issue("KF437", "model.weights.h5", "/")],
            layout="weights_h5",
        ),
    ]


def _windows_path(path: str) -> str:
    """``/a/b/vars/0`` as tf.keras 2.14/2.15 names it on Windows: ``/a\\b/vars/0``."""
    owner, sep, rest = path.rpartition("/vars")
    return "/" + owner.strip("/").replace("/", "\\") + sep + rest if owner else path


def _windows(arc: Any) -> Any:
    weights = {_windows_path(p): a for p, a in arc.weights.items()}
    groups = {_windows_path(g): attrs for g, attrs in arc.groups.items() if g.endswith("/vars")}
    return dataclasses.replace(arc, weights=weights, groups=groups)


def _slash_link() -> bytes:
    """A .weights.h5 whose link ``zz`` is renamed ``z/`` in the group's local heap (HDF5
    stores old-style group link names as plain NUL-terminated strings, no checksum)."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_dataset("layers/dense/vars/0", data=np.ones((2, 2), "float32"))
        f.create_dataset("layers/extra/zz", data=np.ones(2, "float32"))
    data = buf.getvalue()
    assert data.count(b"zz\x00") == 1
    return data.replace(b"zz\x00", b"z/\x00")
