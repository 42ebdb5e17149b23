"""Convolution, pooling and resampling cases for the real-Keras oracle corpus.

Real-model-like nets (a Conv/BatchNorm/pooling/UpSampling autoencoder, a 1-D ECG-style
classifier, a MobileNetV2-style inverted residual block) and one small case per
convolution / pooling / padding / cropping / upsampling family, so that every class of
those families is met in a file each writer produced. Registered in keras_cases.CASES (the
driver, keras_models.py, imports this module); weights come from the driver's seeded RNG.
Images are tiny (at most 16 px, a few channels) to keep each file well under 100 KB.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from keras_cases import Built, _keras3_only, case


def _names(ctx: Any, outs: list[Any]) -> list[str]:
    return [ctx.layer_name_of(t) for t in outs]


# ---------------------------------------------------------------------------------------------
# Real-model-like networks


@case(
    "cnn_autoencoder",
    "image autoencoder: Conv2D(relu, same) + BatchNormalization + "
    "MaxPooling2D encoder, Conv2D + UpSampling2D (nearest) + Conv2D(sigmoid) decoder on "
    "(B, 8, 8, 2)",
)
def cnn_autoencoder(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(8, 8, 2), name="image")
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="enc_conv1")(x)
    h = L.BatchNormalization(name="enc_bn1")(h)
    h = L.MaxPooling2D(2, name="enc_pool1")(h)
    h = L.Conv2D(6, 3, padding="same", activation="relu", name="enc_conv2")(h)
    h = L.MaxPooling2D((2, 2), padding="same", name="enc_pool2")(h)
    h = L.Conv2D(6, 3, padding="same", activation="relu", name="dec_conv1")(h)
    h = L.UpSampling2D(2, name="dec_up1")(h)
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="dec_conv2")(h)
    h = L.BatchNormalization(name="dec_bn2")(h)
    h = L.UpSampling2D((2, 2), name="dec_up2")(h)
    y = L.Conv2D(2, 3, padding="same", activation="sigmoid", name="reconstruction")(h)
    return Built(
        K.Model(x, y, name="autoencoder"),
        {"image": ctx.rng.random((2, 8, 8, 2), dtype="float32")},
        "single",
        ["reconstruction"],
        "single",
        notes="BN moving stats from the RNG; inputs uniform in [0, 1)",
    )


@case(
    "ecg_conv1d",
    "1-D ECG-style classifier on (B, 32, 1): Conv1D(same) + MaxPooling1D, "
    "Conv1D(strides 2) + MaxPooling1D, Conv1D(causal, dilation 2), GlobalAveragePooling1D, "
    "Dense(relu), Dropout, Dense(softmax)",
)
def ecg_conv1d(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(32, 1), name="signal")
    h = L.Conv1D(4, 5, padding="same", activation="relu", name="conv1")(x)
    h = L.MaxPooling1D(2, name="pool1")(h)
    h = L.Conv1D(6, 3, strides=2, activation="relu", name="conv2")(h)
    h = L.MaxPooling1D(pool_size=2, strides=1, name="pool2")(h)
    h = L.Conv1D(6, 3, padding="causal", dilation_rate=2, activation="relu", name="conv3")(h)
    h = L.GlobalAveragePooling1D(name="gap")(h)
    h = L.Dense(8, activation="relu", name="fc")(h)
    h = L.Dropout(0.25, name="drop")(h)
    y = L.Dense(3, activation="softmax", name="rhythm")(h)
    t = ctx.rng.standard_normal((3, 32, 1)).astype("float32")
    t += np.sin(np.linspace(0, 6 * np.pi, 32, dtype="float32"))[None, :, None]
    return Built(
        K.Model(x, y, name="ecg"),
        {"signal": t.astype("float32")},
        "single",
        ["rhythm"],
        "single",
        notes="inputs: a sine beat plus N(0, 1) noise",
    )


@case(
    "mobilenet_block",
    "MobileNetV2-style: stem ZeroPadding2D + Conv2D(strides 2) + BN + "
    "ReLU(max_value=6); inverted residual (1x1 expand, DepthwiseConv2D same, 1x1 project, "
    "Add); strided block with ZeroPadding2D + DepthwiseConv2D(valid, strides 2, "
    "depth_multiplier 2); GlobalAveragePooling2D + Dense",
)
def mobilenet_block(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(16, 16, 3), name="image")
    h = L.ZeroPadding2D(((0, 1), (0, 1)), name="stem_pad")(x)
    h = L.Conv2D(4, 3, strides=2, use_bias=False, name="stem_conv")(h)
    h = L.BatchNormalization(name="stem_bn")(h)
    h = L.ReLU(6.0, name="stem_relu")(h)
    r = L.Conv2D(8, 1, use_bias=False, name="expand")(h)
    r = L.BatchNormalization(name="expand_bn")(r)
    r = L.ReLU(max_value=6.0, name="expand_relu")(r)
    r = L.DepthwiseConv2D(3, padding="same", use_bias=False, name="depthwise")(r)
    r = L.BatchNormalization(name="depthwise_bn")(r)
    r = L.ReLU(6.0, name="depthwise_relu")(r)
    r = L.Conv2D(4, 1, use_bias=False, name="project")(r)
    r = L.BatchNormalization(name="project_bn")(r)
    h = L.Add(name="residual_add")([h, r])
    h = L.ZeroPadding2D(((1, 1), (1, 1)), name="block2_pad")(h)
    h = L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, name="block2_depthwise")(h)
    h = L.ReLU(6.0, name="block2_relu")(h)
    p = L.GlobalAveragePooling2D(name="gap")(h)
    y = L.Dense(3, activation="softmax", name="logits")(p)
    return Built(
        K.Model(x, [h, y], name="mobilenet_like"),
        {"image": ctx.rng.random((2, 16, 16, 3), dtype="float32")},
        "single",
        ["block2_relu", "logits"],
        "list",
        notes="BN moving stats from the RNG",
    )


@case(
    "sepconv_transpose_crop",
    "SeparableConv2D(same, depth_multiplier 2, relu), "
    "Conv2DTranspose(strides 2, same), Cropping2D(((1, 2), (0, 1))); and "
    "Conv2DTranspose((3, 2), strides 2, valid, tanh) on (B, 6, 6, 3)",
)
def sepconv_transpose_crop(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(6, 6, 3), name="x")
    h = L.SeparableConv2D(
        4, 3, padding="same", depth_multiplier=2, activation="relu", name="sepconv"
    )(x)
    h = L.Conv2DTranspose(3, 3, strides=2, padding="same", name="deconv_same")(h)
    a = L.Cropping2D(((1, 2), (0, 1)), name="crop")(h)
    b = L.Conv2DTranspose(2, (3, 2), strides=2, activation="tanh", name="deconv_valid")(x)
    return Built(
        K.Model(x, [a, b]),
        {"x": ctx.normal(2, 6, 6, 3)},
        "single",
        ["crop", "deconv_valid"],
        "list",
    )


# ---------------------------------------------------------------------------------------------
# One case per family


@case(
    "conv1d_transpose_separable",
    "Conv1DTranspose(strides 2, same) and (strides 3, valid), "
    "SeparableConv1D, DepthwiseConv1D(depth_multiplier 2) on (B, 7, 3)",
)
def conv1d_transpose_separable(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(7, 3), name="x")
    outs = [
        L.Conv1DTranspose(4, 3, strides=2, padding="same", name="deconv1d_same")(x),
        L.Conv1DTranspose(2, 3, strides=3, activation="relu", name="deconv1d_valid")(x),
        L.SeparableConv1D(4, 3, depth_multiplier=2, padding="same", name="sepconv1d")(x),
        L.DepthwiseConv1D(3, strides=2, depth_multiplier=2, name="depthwise1d")(x),
    ]
    return Built(K.Model(x, outs), {"x": ctx.normal(2, 7, 3)}, "single", _names(ctx, outs), "list")


def _keeps_output_padding(ctx: Any) -> str | None:
    config = ctx.keras.layers.Conv2DTranspose(1, 3, strides=2, output_padding=1).get_config()
    if "output_padding" in config:
        return None
    return (
        "Conv2DTranspose/Conv1DTranspose get_config omits output_padding here, so the file "
        "would describe another model than the one that computed outputs.npz (this Keras "
        "cannot reload it with the same outputs either)"
    )


@case(
    "conv_transpose_output_padding",
    "Conv1DTranspose(strides 2, output_padding 1), Conv2DTranspose(strides 2, "
    "output_padding (1, 0)), Conv3DTranspose(strides 2, same, output_padding 1)",
    requires=_keeps_output_padding,
)
def conv_transpose_output_padding(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    s = K.Input(shape=(5, 3), name="sequence")
    x = K.Input(shape=(4, 4, 2), name="image")
    v = K.Input(shape=(2, 3, 3, 1), name="volume")
    outs = [
        L.Conv1DTranspose(2, 3, strides=2, output_padding=1, activation="relu", name="deconv1d")(s),
        L.Conv2DTranspose(2, (3, 2), strides=2, output_padding=(1, 0), name="deconv2d")(x),
        L.Conv3DTranspose(2, 3, strides=2, padding="same", output_padding=1, name="deconv3d")(v),
    ]
    return Built(
        K.Model([s, x, v], outs),
        {
            "sequence": ctx.normal(2, 5, 3),
            "image": ctx.normal(2, 4, 4, 2),
            "volume": ctx.normal(2, 2, 3, 3, 1),
        },
        "list",
        _names(ctx, outs),
        "list",
    )


@case(
    "conv_groups_dilation",
    "Conv2D(groups=2), Conv2D(dilation_rate 2, same), Conv1D(groups=2, strides 2) on small inputs",
)
def conv_groups_dilation(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(7, 7, 4), name="image")
    s = K.Input(shape=(9, 4), name="sequence")
    outs = [
        L.Conv2D(6, 3, groups=2, name="conv2d_groups")(x),
        L.Conv2D(3, 3, dilation_rate=2, padding="same", name="conv2d_dilated")(x),
        L.Conv1D(4, 3, strides=2, groups=2, name="conv1d_groups")(s),
    ]
    return Built(
        K.Model([x, s], outs),
        {"image": ctx.normal(2, 7, 7, 4), "sequence": ctx.normal(2, 9, 4)},
        "list",
        _names(ctx, outs),
        "list",
    )


@case(
    "conv_channels_first",
    "data_format='channels_first': Conv2D, MaxPooling2D, "
    "AveragePooling2D(same), UpSampling2D, GlobalAveragePooling2D on (B, 3, 6, 6)",
    requires=_keras3_only("TensorFlow's CPU conv/pool kernels support only channels_last"),
)
def conv_channels_first(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    cf = "channels_first"
    x = K.Input(shape=(3, 6, 6), name="x")
    h = L.Conv2D(4, 3, padding="same", data_format=cf, activation="relu", name="conv")(x)
    h = L.MaxPooling2D(2, data_format=cf, name="maxpool")(h)
    a = L.AveragePooling2D(2, strides=1, padding="same", data_format=cf, name="avgpool")(h)
    u = L.UpSampling2D(2, data_format=cf, name="upsample")(a)
    g = L.GlobalAveragePooling2D(data_format=cf, name="gap")(u)
    return Built(
        K.Model(x, [u, g]), {"x": ctx.normal(2, 3, 6, 6)}, "single", ["upsample", "gap"], "list"
    )


@case(
    "conv3d_pool3d",
    "Conv3D(same) + MaxPooling3D + AveragePooling3D(same) + "
    "Conv3DTranspose(strides 2), GlobalMaxPooling3D, GlobalAveragePooling3D, ZeroPadding3D, "
    "Cropping3D, UpSampling3D on (B, 4, 6, 6, 2)",
)
def conv3d_pool3d(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 6, 6, 2), name="volume")
    h = L.Conv3D(3, (2, 3, 3), padding="same", activation="relu", name="conv3d")(x)
    h = L.MaxPooling3D(2, name="maxpool3d")(h)
    h = L.AveragePooling3D(2, strides=1, padding="same", name="avgpool3d")(h)
    t = L.Conv3DTranspose(2, 2, strides=2, name="deconv3d")(h)
    g = L.GlobalMaxPooling3D(name="gmp3d")(h)
    a = L.GlobalAveragePooling3D(name="gap3d")(h)
    p = L.ZeroPadding3D(((0, 1), (1, 0), (1, 1)), name="pad3d")(h)
    c = L.Cropping3D(((0, 1), (1, 0), (0, 1)), name="crop3d")(p)
    u = L.UpSampling3D((1, 2, 2), name="up3d")(c)
    return Built(
        K.Model(x, [t, g, a, u]),
        {"volume": ctx.normal(2, 4, 6, 6, 2)},
        "single",
        ["deconv3d", "gmp3d", "gap3d", "up3d"],
        "list",
    )


@case(
    "pooling_same_padding",
    "AveragePooling2D(3, strides 2, same) and MaxPooling2D(3, 2, "
    "same) on 7x7 (edge windows: Keras averages only the valid cells), AveragePooling2D "
    "valid strides (2, 1), AveragePooling1D / MaxPooling1D same",
)
def pooling_same_padding(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(7, 7, 2), name="image")
    s = K.Input(shape=(7, 3), name="sequence")
    outs = [
        L.AveragePooling2D(3, strides=2, padding="same", name="avg2d_same")(x),
        L.MaxPooling2D(3, strides=2, padding="same", name="max2d_same")(x),
        L.AveragePooling2D((2, 3), strides=(2, 1), name="avg2d_valid")(x),
        L.AveragePooling1D(2, padding="same", name="avg1d_same")(s),
        L.MaxPooling1D(3, strides=2, padding="same", name="max1d_same")(s),
    ]
    return Built(
        K.Model([x, s], outs),
        {"image": ctx.normal(2, 7, 7, 2), "sequence": ctx.normal(2, 7, 3)},
        "list",
        _names(ctx, outs),
        "list",
    )


@case(
    "global_pooling",
    "GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalAveragePooling2D and "
    "GlobalMaxPooling2D with keepdims=True, GlobalAveragePooling1D(keepdims=True)",
)
def global_pooling(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    s = K.Input(shape=(6, 3), name="sequence")
    x = K.Input(shape=(5, 5, 2), name="image")
    outs = [
        L.GlobalMaxPooling1D(name="gmp1d")(s),
        L.GlobalAveragePooling1D(keepdims=True, name="gap1d_keep")(s),
        L.GlobalMaxPooling2D(name="gmp2d")(x),
        L.GlobalMaxPooling2D(keepdims=True, name="gmp2d_keep")(x),
        L.GlobalAveragePooling2D(keepdims=True, name="gap2d_keep")(x),
    ]
    return Built(
        K.Model([s, x], outs),
        {"sequence": ctx.normal(3, 6, 3), "image": ctx.normal(3, 5, 5, 2)},
        "list",
        _names(ctx, outs),
        "list",
    )


@case(
    "pad_crop_upsample_1d",
    "ZeroPadding1D((1, 2)) -> Cropping1D((2, 1)) -> UpSampling1D(2) "
    "-> Conv1D, and ZeroPadding1D(2) / Cropping1D(1) outputs on (B, 5, 3)",
)
def pad_crop_upsample_1d(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(5, 3), name="x")
    h = L.ZeroPadding1D((1, 2), name="pad")(x)
    h = L.Cropping1D((2, 1), name="crop")(h)
    h = L.UpSampling1D(2, name="upsample")(h)
    y = L.Conv1D(2, 3, name="conv")(h)
    p = L.ZeroPadding1D(2, name="pad_sym")(x)
    c = L.Cropping1D(1, name="crop_sym")(x)
    return Built(
        K.Model(x, [y, p, c]),
        {"x": ctx.normal(2, 5, 3)},
        "single",
        ["conv", "pad_sym", "crop_sym"],
        "list",
    )


@case(
    "upsampling_bilinear",
    "UpSampling2D(size=(2, 3), interpolation='bilinear'), "
    "UpSampling2D(2, nearest) and ZeroPadding2D / Cropping2D with symmetric ints on "
    "(B, 4, 5, 2)",
)
def upsampling_bilinear(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 5, 2), name="image")
    outs = [
        L.UpSampling2D((2, 3), interpolation="bilinear", name="up_bilinear")(x),
        L.UpSampling2D(2, interpolation="nearest", name="up_nearest")(x),
        L.ZeroPadding2D(1, name="pad_sym")(x),
        L.Cropping2D(1, name="crop_sym")(x),
    ]
    return Built(
        K.Model(x, outs),
        {"image": ctx.normal(2, 4, 5, 2)},
        "single",
        _names(ctx, outs),
        "list",
        notes="bilinear upsampling: Keras 3 uses its image.resize (jax), Keras 2 "
        "tf.image.resize; half-pixel centres, no antialiasing when enlarging",
    )


@case(
    "adaptive_pooling",
    "AdaptiveAveragePooling1D(3), AdaptiveMaxPooling2D((2, 3)), AdaptiveAveragePooling2D(2), "
    "AdaptiveMaxPooling3D(2) on inputs whose sizes are not multiples of the outputs",
    requires=lambda ctx: (
        None
        if hasattr(ctx.keras.layers, "AdaptiveAveragePooling2D")
        else "no keras.layers.Adaptive*Pooling in this version"
    ),
)
def adaptive_pooling(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    s = K.Input(shape=(7, 2), name="sequence")
    x = K.Input(shape=(5, 7, 2), name="image")
    v = K.Input(shape=(3, 5, 4, 1), name="volume")
    outs = [
        L.AdaptiveAveragePooling1D(3, name="aap1d")(s),
        L.AdaptiveMaxPooling2D((2, 3), name="amp2d")(x),
        L.AdaptiveAveragePooling2D(2, name="aap2d")(x),
        L.AdaptiveMaxPooling3D(2, name="amp3d")(v),
    ]
    return Built(
        K.Model([s, x, v], outs),
        {
            "sequence": ctx.normal(2, 7, 2),
            "image": ctx.normal(2, 5, 7, 2),
            "volume": ctx.normal(2, 3, 5, 4, 1),
        },
        "list",
        _names(ctx, outs),
        "list",
    )
