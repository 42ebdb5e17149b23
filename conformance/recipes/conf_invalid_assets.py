"""Invalid cases about ``assets/`` (spec §2.7): an asset a layer reads is missing.

An adapted StringLookup keeps no vocabulary in its config; Keras' ``load_assets`` reads it
from ``assets/<object path>/vocabulary.txt`` (keras/src/layers/preprocessing/index_lookup.py),
so a file without that member cannot be loaded.
"""

from __future__ import annotations

from typing import Any

from conf_invalid_kit import invalid, keras_file
from conf_kit import CaseDef, archive, issue

_POLICY = {
    "module": "keras",
    "class_name": "DTypePolicy",
    "config": {"name": "float32"},
    "registered_name": None,
}
_VOCABULARY = "assets/layers/string_lookup/vocabulary.txt"


def _tensor(shape: list[Any], dtype: str, source: str) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": shape, "dtype": dtype, "keras_history": [source, 0, 0]},
    }


def _adapted_lookup() -> dict[str, Any]:
    """Functional: Input(3, string) 'words' -> StringLookup 'ids' (adapted: vocabulary null)."""
    lookup = {
        "name": "ids",
        "trainable": True,
        "dtype": _POLICY,
        "invert": False,
        "max_tokens": None,
        "num_oov_indices": 1,
        "oov_token": "[UNK]",
        "mask_token": None,
        "output_mode": "int",
        "sparse": False,
        "pad_to_max_tokens": False,
        "idf_weights": None,
        "vocabulary": None,
        "vocabulary_size": 4,
        "encoding": "utf-8",
    }
    words = {
        "batch_shape": [None, 3],
        "dtype": "string",
        "sparse": False,
        "ragged": False,
        "name": "words",
        "optional": False,
    }
    return {
        "module": "keras",
        "class_name": "Functional",
        "registered_name": "Functional",
        "config": {
            "name": "adapted_lookup",
            "trainable": True,
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "registered_name": None,
                    "name": "words",
                    "config": words,
                    "inbound_nodes": [],
                },
                {
                    "module": "keras.layers",
                    "class_name": "StringLookup",
                    "registered_name": None,
                    "name": "ids",
                    "build_config": {"input_shape": [None, 3]},
                    "config": lookup,
                    "inbound_nodes": [
                        {"args": [_tensor([None, 3], "string", "words")], "kwargs": {}}
                    ],
                },
            ],
            "input_layers": [["words", 0, 0]],
            "output_layers": [["ids", 0, 0]],
        },
    }


def assets_cases() -> list[CaseDef]:
    groups = {"/layers/string_lookup/vars": {"name": "ids"}}
    return [
        invalid(
            "assets",
            "adapted_lookup_vocabulary_missing",
            "an adapted StringLookup (vocabulary null in its config) without its "
            "assets/layers/string_lookup/vocabulary.txt",
            "KF440",
            keras_file(archive(_adapted_lookup(), {}, groups)),
            [issue("KF440", _VOCABULARY, None)],
        ),
    ]
