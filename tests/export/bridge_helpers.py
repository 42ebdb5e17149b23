"""Shared state of the bridge tests (imported by ``conftest.py`` and the test modules)."""

from __future__ import annotations

from typing import Any

#: "case device" -> {"max_abs", "max_rel", "ok"}, filled by the parity tests and
#: written out by ``conftest.pytest_sessionfinish`` when ``EXPORT_PARITY_REPORT`` is set.
PARITY: dict[str, dict[str, Any]] = {}
