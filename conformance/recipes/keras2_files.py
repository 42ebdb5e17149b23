"""Write the Keras 2 migration corpus (conformance/keras2_files/<writer-tag>/<case>/).

Files Keras 3 cannot load as they are, written by the real tf.keras / tf_keras, with the
inputs and the outputs the writer computed: the oracle of `kformat migrate`.

* `legacy_*` cases: `model.save("model.h5")`, the legacy full-model HDF5 format
  (layout `legacy_h5`); `legacy_named_keras` is the same format under a `.keras` name
  (layout `legacy_h5_named_keras`: saved as `model.h5`, then renamed, as users do).
* `windows_*` cases: `model.save("model.keras")`, then the recipe rewrites the HDF5 group
  names of `model.weights.h5` the way tf.keras 2.14/2.15 writes them on Windows
  (`tf.io.gfile.join` with `\\`: one root-level group `_layer_checkpoint_dependencies\\dense`
  holding `vars`, keras-team/keras#18528). There is no Windows machine here: the layout is
  reproduced from the writer's code (`keras/src/saving/saving_lib.py` `H5IOStore.make`),
  not observed (layout `keras_windows`).

Usage (Keras 2 writers only; Keras 3 writes none of these):
    TF_USE_LEGACY_KERAS=1 /work/venvs/tf_keras-2.21/bin/python \\
        conformance/recipes/keras2_files.py --out-root conformance/keras2_files
    /work/venvs/tf-2.14/bin/python conformance/recipes/keras2_files.py \\
        --out-root conformance/keras2_files
Files and made.json follow conformance/keras_files/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import keras_models  # noqa: E402  (sets the TF environment first)
from keras_cases import Built, Case  # noqa: E402

CASES: dict[str, Case] = {}


def case(name: str, description: str, layout: str) -> Any:
    def deco(fn: Any) -> Any:
        CASES[name] = Case(name, description, fn, layout)
        return fn

    return deco


# -- savers --------------------------------------------------------------------------------


def save_legacy_h5(ctx: Any, model: Any, folder: Path) -> dict[str, Any]:
    model.save(str(folder / "model.h5"), save_format="h5")
    return {"model_file": "model.h5"}


def save_legacy_named_keras(ctx: Any, model: Any, folder: Path) -> dict[str, Any]:
    model.save(str(folder / "model.h5"), save_format="h5")
    (folder / "model.h5").rename(folder / "model.keras")
    return {"model_file": "model.keras"}


def windows_group_names(weights_h5: Path) -> None:
    """Rewrite a Keras weights file as tf.keras writes it on Windows: every object path
    `P` (whose variables are in `P/vars`) becomes one root-level group named
    `P` with `/` replaced by `\\`."""
    import h5py

    items: list[tuple[str, Any, dict[str, Any]]] = []
    groups: dict[str, dict[str, Any]] = {}
    with h5py.File(weights_h5, "r") as f:

        def visit(name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset):
                items.append((name, obj[()], dict(obj.attrs)))
            elif name.endswith("vars") and (name == "vars" or name.endswith("/vars")):
                groups[name] = dict(obj.attrs)

        f.visititems(visit)
    tmp = weights_h5.with_suffix(".tmp")
    with h5py.File(tmp, "w") as g:

        def windows(path: str) -> str:
            owner, _, rest = path.rpartition("vars")
            owner = owner.rstrip("/")
            return (owner.replace("/", "\\") + "/" if owner else "") + "vars" + rest

        for name, attrs in sorted(groups.items()):
            grp = g.require_group(windows(name))
            grp.attrs.update(attrs)
        for name, data, attrs in items:
            ds = g.create_dataset(windows(name), data=data)
            ds.attrs.update(attrs)
    tmp.replace(weights_h5)


def save_keras_windows(ctx: Any, model: Any, folder: Path) -> dict[str, Any]:
    import zipfile

    model.save(str(folder / "model.keras"))
    work = folder / "_unzipped"
    with zipfile.ZipFile(folder / "model.keras") as z:
        names = z.namelist()
        z.extractall(work)
    windows_group_names(work / "model.weights.h5")
    (folder / "model.keras").unlink()
    with zipfile.ZipFile(folder / "model.keras", "w") as z:
        for name in names:
            z.write(work / name, name)
    shutil.rmtree(work)
    return {
        "model_file": "model.keras",
        "rewritten": "HDF5 group names joined with '\\\\' "
        "as tf.keras 2.14/2.15 writes them on Windows (reproduced, not observed)",
    }


keras_models.EXTRA_LAYOUTS.update(
    legacy_h5=save_legacy_h5,
    legacy_h5_named_keras=save_legacy_named_keras,
    keras_windows=save_keras_windows,
)


# -- models --------------------------------------------------------------------------------


def _mixed(ctx: Any) -> Built:
    """One Functional model with the constructs that block Keras 3 in parallel branches."""
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(6, 6, 3), name="img")
    h = L.Conv2D(4, 3, activation="relu", name="conv")(x)
    h = L.BatchNormalization(name="bn")(h)  # Keras 2 writes axis [3]
    seq = L.Reshape((16, 4), name="tokens")(h)
    a = L.MultiHeadAttention(2, 3, name="mha")(seq, seq)
    pooled = L.GlobalAveragePooling1D(name="pool")(a)
    inner_seq = K.Sequential(
        [L.Dense(5, activation="hard_sigmoid", input_shape=(4,)), L.Dense(3)], name="inner_seq"
    )
    ix = K.Input(shape=(4,), name="inner_x")
    inner_fn = K.Model(
        ix, L.Dense(3, name="inner_out")(L.Dense(6, activation="relu")(ix)), name="inner_fn"
    )
    b1 = L.Activation("hard_sigmoid", name="hs")(inner_seq(pooled))
    b2 = inner_fn(pooled)
    y = (b1 + 1.0) * b2  # TFOpLambda layers in Keras 2
    y = L.LeakyReLU(alpha=0.2, name="leaky")(y)
    model = K.Model(x, y, name="mixed")
    return Built(
        model,
        {"img": ctx.normal(2, 6, 6, 3)},
        "single",
        [ctx.layer_name_of(y)],
        "single",
        rtol=1e-5,
        atol=1e-5,
        notes="conv, BatchNormalization (list axis), MultiHeadAttention, a nested "
        "Sequential with batch_input_shape and hard_sigmoid, a nested Functional, "
        "a hard_sigmoid Activation, TFOpLambda add/multiply, LeakyReLU(alpha)",
    )


def _sequential_cnn(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    model = K.Sequential(
        [
            L.Conv2D(3, 3, input_shape=(7, 7, 2), name="conv"),
            L.BatchNormalization(name="bn"),
            L.MaxPooling2D(name="pool"),
            L.Flatten(name="flat"),
            L.Dense(4, activation="hard_sigmoid", name="out"),
        ],
        name="cnn",
    )
    return Built(
        model,
        {"conv_input": ctx.normal(2, 7, 7, 2)},
        "single",
        ["out"],
        "single",
        notes="Sequential without an InputLayer: the Conv2D carries batch_input_shape",
    )


case("legacy_functional_mixed", "legacy .h5 of " + (_mixed.__doc__ or ""), "legacy_h5")(_mixed)
case(
    "legacy_sequential_cnn",
    "legacy .h5 of a Sequential Conv2D(input_shape) -> "
    "BatchNormalization -> MaxPooling2D -> Flatten -> Dense(hard_sigmoid)",
    "legacy_h5",
)(_sequential_cnn)
case(
    "legacy_named_keras",
    "the legacy_sequential_cnn model in the legacy HDF5 format under a .keras name",
    "legacy_h5_named_keras",
)(_sequential_cnn)
case(
    "windows_functional_mixed",
    "Windows-style group names in the .keras file of " + (_mixed.__doc__ or ""),
    "keras_windows",
)(_mixed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-root", type=Path, required=True)
    ap.add_argument("--cases", help="comma-separated subset")
    args = ap.parse_args(argv)
    ctx = keras_models.Ctx(keras_models.detect_flavour(None))
    if ctx.flavour == "keras3":
        raise SystemExit("the Keras 2 migration corpus is written by tf.keras / tf_keras only")
    out = args.out_root / ctx.tag
    names = [n for n in (args.cases or ",".join(CASES)).split(",") if n]
    out.mkdir(parents=True, exist_ok=True)
    produced = []
    for name in names:
        folder = out / name
        if folder.exists():
            shutil.rmtree(folder)
        made = keras_models.make_case(ctx, CASES[name], folder)
        produced.append(name)
        print(f"[{ctx.tag}] {name}: ok ({made['reload_check']})", flush=True)
    (out / "writer.json").write_text(
        json.dumps(
            {
                "writer": ctx.writer,
                "version": ctx.keras_version,
                "tag": ctx.tag,
                "produced": sorted(p.name for p in out.iterdir() if (p / "made.json").exists()),
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
