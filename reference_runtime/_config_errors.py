"""Where in ``config.json`` the runtime is, and how a build failure becomes a ``KFormatError``.

Deserialization pushes the JSON pointer of what it is building (spec §11:
issues and errors name ``member`` and an RFC 6901 ``path``), so a layer whose
constructor or ``build`` rejects a value from the file can be reported as the
validator would: :class:`InvalidArchiveError` with a rule code, ``config.json``
and the pointer of the layer's config. Keras wraps such failures in
``TypeError`` (``keras-team/keras: keras/src/layers/layer.py`` ``from_config``);
a reader of untrusted files needs one error family instead (spec §11).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from kformat._json import pointer as _pointer
from kformat.errors import (
    InvalidArchiveError,
    KFormatError,
    UnsafeArchiveError,
    UnsupportedFeatureError,
)

__all__ = [
    "CONFIG",
    "as_config_error",
    "at",
    "at_parts",
    "current_parts",
    "current_pointer",
    "guarded",
    "located",
    "short",
]

CONFIG = "config.json"
#: characters of a value quoted in a message (a file's strings can be megabytes)
_QUOTE = 120

_PARTS: contextvars.ContextVar[tuple[str | int, ...]] = contextvars.ContextVar(
    "config_pointer", default=()
)

T = TypeVar("T")


@contextmanager
def at(*parts: str | int) -> Iterator[None]:
    """Descend into ``parts`` of the config being deserialized."""
    token = _PARTS.set(_PARTS.get() + parts)
    try:
        yield
    finally:
        _PARTS.reset(token)


@contextmanager
def at_parts(parts: tuple[str | int, ...]) -> Iterator[None]:
    """Be at ``parts`` of the config (an absolute place, as the decoder reports it)."""
    token = _PARTS.set(tuple(parts))
    try:
        yield
    finally:
        _PARTS.reset(token)


def current_parts() -> tuple[str | int, ...]:
    """The place being built, as JSON pointer parts."""
    return _PARTS.get()


def current_pointer(*more: str | int) -> str:
    """The JSON pointer of the place being built (plus ``more``)."""
    return _pointer(_PARTS.get() + more)


def short(value: Any) -> str:
    """``repr`` cut to a readable length, escaped to one line (a file's text
    may hold control characters and line breaks)."""
    try:
        text = repr(value)
    except Exception:  # a repr that fails is still a value from the file
        text = f"<{type(value).__name__}>"
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= _QUOTE else text[: _QUOTE - 3] + "..."


def located(exc: KFormatError, code: str) -> KFormatError:
    """``exc`` with its missing code, member or path filled in from the place
    being built (errors raised deep in a layer do not know where they are)."""
    if exc.code is not None and exc.member is not None and exc.path is not None:
        return exc
    fields: dict[str, Any] = {
        "member": exc.member if exc.member is not None else CONFIG,
        "path": exc.path if exc.path is not None else current_pointer(),
        "code": exc.code if exc.code is not None else code,
    }
    if isinstance(exc, InvalidArchiveError):
        fields["issues"] = exc.issues
    try:
        out = type(exc)(exc.message, **fields)
    except TypeError:  # a subclass with its own constructor: keep it as it is
        return exc
    out.__cause__ = exc
    return out


def as_config_error(exc: BaseException, what: str, *, code: str = "KF305") -> KFormatError:
    """The family error for ``exc`` raised while building ``what`` from the config."""
    if isinstance(exc, KFormatError):
        return located(exc, "KF310" if isinstance(exc, UnsupportedFeatureError) else code)
    detail = short(str(exc)).strip("'\"")
    message = f"{what}: {type(exc).__name__}: {detail}"
    path = current_pointer()
    if isinstance(exc, MemoryError):
        return UnsafeArchiveError(
            f"{what} asks for more memory than is available ({detail})",
            member=CONFIG,
            path=path,
            code="KF308",
        )
    if isinstance(exc, RecursionError):
        return UnsafeArchiveError(
            f"{what} is nested too deep to build", member=CONFIG, path=path, code="KF203"
        )
    if isinstance(exc, NotImplementedError):
        return UnsupportedFeatureError(message, member=CONFIG, path=path, code=code)
    return InvalidArchiveError(message, member=CONFIG, path=path, code=code)


def guarded(fn: Callable[[], T], what: str, *, code: str = "KF305") -> T:
    """Run ``fn``; any failure other than a ``KFormatError`` becomes one (see module doc)."""
    try:
        return fn()
    except KFormatError as exc:
        found = as_config_error(exc, what, code=code)
        if found is exc:
            raise
        raise found from exc
    except Exception as exc:
        raise as_config_error(exc, what, code=code) from exc
