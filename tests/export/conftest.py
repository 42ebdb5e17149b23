"""Fixtures for the TensorFlow bridge tests: exported artifacts shared per module."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bridge_helpers import PARITY

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Any], Any]:
    """``exported(case)`` -> ``(loaded SavedModel, feed, NumPy outputs)``, once per case.

    ``None`` when the runtime refuses a case whose own writer could not reload it.
    """
    import tensorflow as tf

    from kformat.errors import KFormatError
    from tools.export_parity import export_case

    root = tmp_path_factory.mktemp("saved_models")
    cache: dict[str, Any] = {}

    def get(case: Any) -> Any:
        if case.name not in cache:
            try:
                model = case.build()
            except KFormatError:
                if not case.may_refuse:
                    raise
                cache[case.name] = None
                return None
            feed = case.feed()
            want = model(feed)
            path = root / case.name.replace("/", "__")
            export_case(case, model, path)
            cache[case.name] = (tf.saved_model.load(str(path)), feed, want)
        return cache[case.name]

    return get


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With ``EXPORT_PARITY_REPORT=path``, write every parity comparison as JSON."""
    target = os.environ.get("EXPORT_PARITY_REPORT")
    if target and PARITY:
        Path(target).write_text(json.dumps(dict(sorted(PARITY.items())), indent=1), "utf-8")
