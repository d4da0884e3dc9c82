"""Errors raised by the Gatehouse client.

Every error carries a stable ``code`` (the OAuth ``error`` code when the server sent one) and a ``description``.
Neither ever holds a password, a client secret or a token: messages are built from the server's error fields and
the endpoint's URL only.
"""
from __future__ import annotations

from typing import Optional


class GatehouseError(Exception):
    """Base class: ``code`` is stable (``invalid_grant``, ``invalid_client``, ``network_error``...)."""

    def __init__(self, code: str, description: str = '', status: Optional[int] = None) -> None:
        self.code = code
        self.description = description
        self.status = status
        super().__init__(f'{code}: {description}' if description else code)


class OAuthError(GatehouseError):
    """The token endpoint answered with an RFC 6749 §5.2 error (``error``, ``error_description``)."""


class TransportError(GatehouseError):
    """The server could not be reached, or answered with something that is not an OAuth response."""


class TokenExpiredError(GatehouseError):
    """A token that cannot be renewed (a fixed or app token) has expired."""
