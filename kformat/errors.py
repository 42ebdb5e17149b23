"""The one exception family raised by kformat (spec/format.md, "Errors").

Every failure caused by the *content* of a file is a :class:`KFormatError`.
Wrong argument types stay :class:`TypeError` and a missing path stays
:class:`OSError`, as the caller's decision differs for those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kformat._issues import Issue

__all__ = [
    "InvalidArchiveError",
    "KFormatError",
    "UnsafeArchiveError",
    "UnsupportedFeatureError",
]


def format_location(member: str | None, path: str | None) -> str:
    """Render ``member#path`` the way issues and errors name a place."""
    if member is None and path is None:
        return ""
    if path is None or path == "":
        return member or ""
    if member is None:
        return path
    # JSON pointers attach with '#', HDF5 paths too (they start with '/').
    return f"{member}#{path}"


class KFormatError(Exception):
    """Base class of every error kformat raises for bad file content.

    Attributes:
        message: the one-line description, without the location.
        member: the archive member (e.g. ``config.json``) the problem is in.
        path: a JSON pointer into a JSON member or an HDF5 path.
        code: the rule ID of spec/format.md the content breaks (``"KF103"``),
            when known; the validator reports the same code as an issue.
    """

    def __init__(
        self,
        message: str,
        *,
        member: str | None = None,
        path: str | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.member = member
        self.path = path
        self.code = code
        where = format_location(member, path)
        super().__init__(f"{where}: {message}" if where else message)


class InvalidArchiveError(KFormatError, ValueError):
    """The file breaks a rule of the format.

    Attributes:
        issues: the validator findings behind the error (may be empty when
            the reader stopped at the first problem).
    """

    def __init__(
        self,
        message: str,
        *,
        member: str | None = None,
        path: str | None = None,
        code: str | None = None,
        issues: Sequence[Issue] = (),
    ) -> None:
        super().__init__(message, member=member, path=path, code=code)
        self.issues: tuple[Issue, ...] = tuple(issues)


class UnsafeArchiveError(InvalidArchiveError):
    """The file tries something a safe reader refuses (spec §14.4):
    code, links or paths outside the archive, bombs, policy changes."""


class UnsupportedFeatureError(KFormatError, NotImplementedError):
    """The file is allowed by the format but uses something kformat does not
    implement (yet), e.g. an unknown layer class in the runtime."""
