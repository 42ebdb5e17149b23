"""Every runtime case model, by concept (``conf_models_*.py``), and the archives they give.

Importing this module registers every builder in :data:`conf_model_kit.MODELS`.
"""

from __future__ import annotations

import conf_models_attention  # noqa: F401  (each import registers its models)
import conf_models_dense  # noqa: F401
import conf_models_norm  # noqa: F401
import conf_models_shape  # noqa: F401
import conf_models_structure  # noqa: F401
from conf_model_kit import MODELS
from conf_runtime import prepare

import kformat

__all__ = ["MODELS", "base_archive"]


def base_archive(model_name: str, case_name: str | None = None) -> kformat.KerasArchive:
    """The archive of registered model ``model_name`` (seeded as case ``case_name``)."""
    return prepare(case_name or model_name, MODELS[model_name][1])[2]
