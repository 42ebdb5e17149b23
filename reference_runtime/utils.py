"""``keras.utils`` names the runtime provides: :func:`clear_session`."""

from __future__ import annotations

from reference_runtime._backend import clear_session

__all__ = ["clear_session"]
