"""Shared test helpers: small archives and archive equality."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

import kformat

os.environ.setdefault("KERAS_BACKEND", "numpy")

# Hypothesis: the default run is the contract of the README's test command and
# of .ci/run, so it is the same everywhere (CI set or not): derandomized, a fixed
# example budget, no example database written into the checkout. A longer,
# randomized campaign is opt-in: ``pytest --hypothesis-profile=long`` or
# KFORMAT_HYPOTHESIS_PROFILE=long (ten times the examples, database kept).
# Hypothesis would load its own "ci" profile when CI is set; loading ours here
# replaces it, so CI changes nothing.
_BASE_EXAMPLES = 100
settings.register_profile(
    "kformat",
    max_examples=_BASE_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=10 * _BASE_EXAMPLES,
    derandomize=False,
    database=DirectoryBasedExampleDatabase(
        Path(__file__).resolve().parents[1] / ".hypothesis" / "examples"
    ),
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Only while hypothesis' own profiles are loaded: this file is imported a second time
# as ``tests.conftest`` by the modules that use its helpers, after
# ``--hypothesis-profile`` has been applied, and must not undo that choice.
if settings.get_current_profile_name() in ("default", "ci"):
    settings.load_profile(os.environ.get("KFORMAT_HYPOTHESIS_PROFILE") or "kformat")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--applications",
        default="fast",
        help=(
            "keras.applications models tests/applications builds and checks end to end: "
            "fast (default: MobileNetV2, ResNet50), all, none, or a comma-separated list"
        ),
    )
    parser.addoption(
        "--export-parity",
        default="generations",
        choices=("generations", "all"),
        help=(
            "real-Keras corpus models tests/export exports to SavedModel and compares: "
            "generations (default: each model once for Keras 3 and once for Keras 2, from "
            "the newest writer that made it) or all (every writer's file)"
        ),
    )


def budget(examples: int) -> int:
    """``examples`` in the default profile, scaled by the loaded profile's budget.

    Property modules call this when they are imported, which is after both this
    file and ``--hypothesis-profile`` have loaded a profile.
    """
    return max(1, examples * settings.default.max_examples // _BASE_EXAMPLES)


ROOT = Path(__file__).resolve().parents[1]
KERAS_FILES = ROOT / "conformance" / "keras_files"
EXAMPLE = ROOT / "examples" / "guide_functional.keras"
#: Real files the fuzzers mutate: the guide's model, a Keras 3 MLP with optimizer
#: state, a tf_keras nested Functional and a Keras 3 transformer block.
FUZZ_SEEDS = [
    p
    for p in [
        EXAMPLE,
        KERAS_FILES / "keras-3.15.1/mlp_bn_dropout/model.keras",
        KERAS_FILES / "tf_keras-2.21.0/nested_functional_in_functional/model.keras",
        KERAS_FILES / "keras-3.15.1/transformer_block/model.keras",
    ]
    if p.exists()
]


def small_archive(*, bf16: bool = False, assets: bool = False) -> kformat.KerasArchive:
    """A Sequential Dense(3)->Dropout->Dense(2) archive built by hand."""
    rng = np.random.default_rng(0)
    dense = {"name": "dense", "units": 3, "activation": "relu", "use_bias": True}
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "input_layer"},
                    "registered_name": None,
                },
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": dense,
                    "registered_name": None,
                },
                {
                    "module": "keras.layers",
                    "class_name": "Dropout",
                    "config": {"name": "dropout", "rate": 0.5},
                    "registered_name": None,
                },
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": {
                        "name": "dense_1",
                        "units": 2,
                        "activation": "linear",
                        "use_bias": True,
                    },
                    "registered_name": None,
                },
            ],
        },
        "registered_name": None,
    }
    weights: dict[str, np.ndarray[Any, Any]] = {
        "/layers/dense/vars/0": rng.standard_normal((4, 3)).astype("float32"),
        "/layers/dense/vars/1": rng.standard_normal(3).astype("float32"),
        "/layers/dense_1/vars/0": rng.standard_normal((3, 2)).astype("float32"),
        "/layers/dense_1/vars/1": rng.standard_normal(2).astype("float32"),
        "/optimizer/vars/0": np.array(7, dtype="int32"),
    }
    if bf16:
        import ml_dtypes

        weights["/layers/dense_1/vars/0"] = weights["/layers/dense_1/vars/0"].astype(
            ml_dtypes.bfloat16
        )
    groups = {
        "/layers/dense/vars": {"name": "dense"},
        "/layers/dropout/vars": {"name": "dropout"},
        "/layers/dense_1/vars": {"name": "dense_1"},
        "/optimizer/vars": {"name": "adam"},
        "/vars": {"name": "sequential"},
    }
    return kformat.KerasArchive(
        config=config,
        metadata={"keras_version": "3.15.1", "date_saved": "2026-01-02@03:04:05"},
        weights=weights,
        groups=groups,
        assets={"assets/layers/vocab/vocabulary.txt": b"a\nb\n"} if assets else {},
    )


def assert_archives_equal(
    a: kformat.KerasArchive, b: kformat.KerasArchive, *, groups: bool = True
) -> None:
    assert a.config == b.config
    assert a.metadata == b.metadata
    assert sorted(a.weights) == sorted(b.weights)
    for path in a.weights:
        x, y = np.asarray(a.weights[path]), np.asarray(b.weights[path])
        assert x.dtype == y.dtype, path
        assert x.shape == y.shape, path
        assert x.tobytes() == y.tobytes(), path
    if groups:
        # Intermediate groups are implied by datasets and explicit groups.
        assert _explicit(a.groups) == _explicit(b.groups)
    assert dict(a.assets) == dict(b.assets)


def _explicit(groups: Any) -> dict[str, Any]:
    return {k: dict(v) for k, v in groups.items() if v}


@pytest.fixture
def archive() -> kformat.KerasArchive:
    return small_archive()
