"""``keras.applications`` models for the end-to-end tests: which, at what size, and
their ``.keras`` files with Keras' outputs, built once into a cache directory.

Files are large (up to ~1.4 GB for ConvNeXtXLarge), so they are built at test
time into ``$KFORMAT_APPS_CACHE`` (default ``$TMPDIR/kformat-apps``), one
subdirectory per Keras version, and never committed. A cached entry is the
``.keras`` file plus ``golden.npz`` (the input and Keras' ``predict`` output);
both are written to temporary names and renamed, so an interrupted run leaves
no half entry.
"""

from __future__ import annotations

import inspect
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

#: every ``keras.applications`` constructor in Keras 3.15 -> the smallest input
#: side it accepts with ``weights=None`` (the tests run at that size to stay fast).
MODELS: dict[str, int] = {
    **dict.fromkeys(["ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase"], 32),
    **dict.fromkeys(["ConvNeXtLarge", "ConvNeXtXLarge"], 32),
    **dict.fromkeys(["DenseNet121", "DenseNet169", "DenseNet201"], 32),
    **{f"EfficientNetB{i}": 32 for i in range(8)},
    **{f"EfficientNetV2B{i}": 32 for i in range(4)},
    **dict.fromkeys(["EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L"], 32),
    "InceptionResNetV2": 75,
    "InceptionV3": 75,
    "MobileNet": 32,
    "MobileNetV2": 32,
    "MobileNetV3Small": 32,
    "MobileNetV3Large": 32,
    "NASNetMobile": 32,
    "NASNetLarge": 32,
    **dict.fromkeys(["ResNet50", "ResNet101", "ResNet152"], 32),
    **dict.fromkeys(["ResNet50V2", "ResNet101V2", "ResNet152V2"], 32),
    "VGG16": 32,
    "VGG19": 32,
    "Xception": 71,
}
#: what the default test run builds (``--applications=fast``): one GEMM-bound
#: and one depthwise (memory-bound) network, each a few seconds at 32x32.
FAST = ("MobileNetV2", "ResNet50")
BATCH = 2
CLASSES = 10
#: names the weight and input recipe (``randomize``, ``cached``): a change to
#: either must change it, so stale cached goldens are never compared.
RECIPE = "r2"


def selected(option: str) -> list[str]:
    """The models ``--applications`` names: ``fast``, ``all``, ``none`` or a comma list."""
    if option == "fast":
        return list(FAST)
    if option == "all":
        return sorted(MODELS)
    if option == "none":
        return []
    names = [n.strip() for n in option.split(",") if n.strip()]
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        raise ValueError(f"--applications: unknown models {unknown}; known: {sorted(MODELS)}")
    return names


def cache_dir() -> Path:
    import keras

    root = Path(os.environ.get("KFORMAT_APPS_CACHE", Path(tempfile.gettempdir()) / "kformat-apps"))
    return root / f"keras-{keras.__version__}-{RECIPE}"


def randomize(model: Any, seed: int = 0) -> None:
    """Replace every weight left at a constant initial value with random values.

    Kernels keep Keras' seeded random initializers; biases, BatchNormalization
    statistics and scales, Normalization's mean/variance and LayerScale's gamma
    start constant, which would hide mistakes in how they are applied. Zeros
    become ``N(0, 0.1)``; a variance ``c`` becomes ``c * U(1, 2)`` and any other
    constant ``c * U(0.5, 1)``, so each normalization scales its channels by at
    most 1: with gains above 1 the deepest networks (EfficientNetV2-L, 1000+
    layers) grow their activations to ~1e7 and float32 rounding alone makes
    Keras' NumPy and TensorFlow backends disagree in the first digit.
    Integer counters are left alone.
    """
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        v = np.asarray(w.numpy() if hasattr(w, "numpy") else w)
        if v.dtype.kind == "f" and v.size and v.min() == v.max():
            c = float(v.flat[0])
            if not c:
                v = rng.normal(0.0, 0.1, v.shape)
            elif "variance" in w.path:
                v = c * rng.uniform(1.0, 2.0, v.shape)
            else:
                v = c * rng.uniform(0.5, 1.0, v.shape)
            v = v.astype(w.dtype)
        values.append(v)
    model.set_weights(values)


def build(name: str) -> Any:
    """The Keras model ``name`` with ``weights=None``, 10 classes, logits out."""
    import keras

    fn = getattr(keras.applications, name)
    size = MODELS[name]
    kwargs: dict[str, Any] = {"weights": None, "input_shape": (size, size, 3), "classes": CLASSES}
    if "classifier_activation" in inspect.signature(fn).parameters:
        # logits: a softmax would squash the differences the comparison looks for
        kwargs["classifier_activation"] = None
    keras.utils.set_random_seed(0)
    model = fn(**kwargs)
    randomize(model)
    return model


def cached(name: str) -> tuple[Path, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """``(path, x, keras_output)`` for ``name``, building it on the first call."""
    folder = cache_dir() / name
    path, golden = folder / "model.keras", folder / "golden.npz"
    if not (path.exists() and golden.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        model = build(name)
        size = MODELS[name]
        # images in [0, 255] for models that rescale them themselves (EfficientNet,
        # ConvNeXt, MobileNetV3), else what their preprocess_input gives, [-1, 1]
        rescales = any(type(layer).__name__ == "Rescaling" for layer in model.layers)
        hi = 255.0 if rescales else 1.0
        rng = np.random.default_rng(1)
        x = rng.uniform(-hi if hi == 1.0 else 0.0, hi, (BATCH, size, size, 3)).astype("float32")
        want = np.asarray(model.predict(x, verbose=0))
        part = folder / "model.part.keras"
        model.save(part)
        part.replace(path)
        part_golden = folder / "golden.part.npz"
        with open(part_golden, "wb") as fh:
            np.savez(fh, x=x, want=want)
        part_golden.replace(golden)
    with np.load(golden) as data:
        return path, data["x"], data["want"]
