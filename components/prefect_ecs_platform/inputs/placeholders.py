"""Marked stand-ins for values that exist only after `pulumi up`, used by the offline render.

The render evaluates the program without AWS, so ARNs, ids, random name suffixes and image digests are
these markers, never values that look real. Code that parses such values (ARNs, digest-pinned image
references) accepts the markers only while `rendering()` is true, which only the render command sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

KNOWN_AFTER_UP = "<known after pulumi up>"
KNOWN_AFTER_BUILD = "<known after the image build>"
UNKNOWN_ACCOUNT = "<account>"
UNKNOWN_REGION = "<region>"
UNKNOWN_PARTITION = "<partition>"
#: The digest of an image the render could not build: `<repository>@sha256:<known after the image build>`.
UNBUILT_DIGEST = f"sha256:{KNOWN_AFTER_BUILD}"

_rendering: ContextVar[bool] = ContextVar("rendering", default=False)


def rendering() -> bool:
    """Whether the program runs under the offline render, where values above stand in for AWS's."""
    return _rendering.get()


@contextmanager
def accepting_placeholders() -> Iterator[None]:
    """Let parsers accept the markers above; apply callbacks started inside inherit the setting."""
    token = _rendering.set(True)
    try:
        yield
    finally:
        _rendering.reset(token)


def secret_placeholder(where: str) -> str:
    """A secret the render may not read, named by where `pulumi up` would take it from."""
    return f"<secret: {where}>"
