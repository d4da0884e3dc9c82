"""Tokens, the refresh policy, and reading a JWT's claims (without verifying it)."""
from __future__ import annotations

import base64
import json
import random
from dataclasses import asdict, dataclass
from typing import Any, Dict, Mapping, Optional


@dataclass(frozen=True, repr=False)
class Token:
    """What every provider hands out. Times are seconds since the epoch on the provider's clock."""

    access_token: str
    expires_at: float
    issued_at: float
    token_type: str = 'Bearer'
    refresh_token: Optional[str] = None
    id_token: Optional[str] = None
    scope: Optional[str] = None

    @property
    def lifetime(self) -> float:
        return max(0.0, self.expires_at - self.issued_at)

    def to_dict(self) -> Dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> 'Token':
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @classmethod
    def from_response(cls, body: Mapping[str, Any], now: float) -> 'Token':
        """A token endpoint's answer (RFC 6749 §5.1), received at ``now``."""
        expires_in = body.get('expires_in')
        if not isinstance(expires_in, (int, float)) or isinstance(expires_in, bool):
            # No expires_in: read exp from the JWT if it is one; otherwise assume an hour.
            exp = _exp(str(body.get('access_token', '')))
            expires_in = (exp - now) if exp is not None else 3600
        return cls(
            access_token=str(body['access_token']),
            expires_at=now + float(expires_in),
            issued_at=now,
            token_type=str(body.get('token_type', 'Bearer')),
            refresh_token=body.get('refresh_token') if isinstance(body.get('refresh_token'), str) else None,
            id_token=body.get('id_token') if isinstance(body.get('id_token'), str) else None,
            scope=body.get('scope') if isinstance(body.get('scope'), str) else None,
        )

    def __repr__(self) -> str:  # never the token itself
        return f'Token(expires_at={self.expires_at:.0f}, refreshable={self.refresh_token is not None})'


@dataclass(frozen=True)
class RefreshPolicy:
    """When a provider renews a token ahead of its expiry.

    A token is renewed once ``refresh_ratio`` of its lifetime has passed (less a random share of up to ``jitter``
    of that, so that many processes started together do not renew together), or ``refresh_before`` seconds before
    it expires, whichever comes first, but never before half its lifetime. It is never handed out closer than
    ``clock_skew`` seconds to its expiry (at most a tenth of its lifetime).
    """

    refresh_ratio: float = 0.8
    refresh_before: float = 60.0
    clock_skew: float = 30.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if not 0 < self.refresh_ratio <= 1:
            raise ValueError('refresh_ratio must be in (0, 1]')
        if self.refresh_before < 0 or self.clock_skew < 0 or not 0 <= self.jitter < 1:
            raise ValueError('refresh_before and clock_skew must be >= 0, jitter in [0, 1)')

    def usable_until(self, token: Token) -> float:
        return token.expires_at - min(self.clock_skew, token.lifetime / 10)

    def refresh_at(self, token: Token, draw: float = 0.0) -> float:
        """``draw`` in [0, 1) picks this token's jitter."""
        life = token.lifetime
        ratio = self.refresh_ratio * (1 - self.jitter * draw)
        proactive = min(token.issued_at + life * ratio, token.expires_at - self.refresh_before)
        return min(max(token.issued_at + life / 2, proactive), self.usable_until(token))


def new_rng(seed: Optional[int] = None) -> random.Random:
    return random.Random(seed)


def _segment(jwt: str, index: int) -> Dict[str, Any]:
    parts = jwt.split('.')
    if len(parts) != 3:
        raise ValueError('not a JWT (expected three dot-separated parts)')
    raw = parts[index]
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + '=' * (-len(raw) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError('not a JWT (a part is not base64url JSON)') from error
    if not isinstance(value, dict):
        raise ValueError('not a JWT (a part is not a JSON object)')
    return value


def decode_jwt(jwt: str) -> Dict[str, Any]:
    """A JWT's claims. The signature is NOT verified: use this to read ``exp``, never to trust a token."""
    return _segment(jwt.strip(), 1)


def decode_header(jwt: str) -> Dict[str, Any]:
    """A JWT's protected header, not verified."""
    return _segment(jwt.strip(), 0)


def _exp(jwt: str) -> Optional[float]:
    try:
        exp = decode_jwt(jwt).get('exp')
    except ValueError:
        return None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


def token_from_jwt(jwt: str, now: float) -> Token:
    """A fixed token: its expiry from ``exp`` when it is a JWT, else never."""
    try:
        claims = decode_jwt(jwt)
    except ValueError:
        claims = {}
    exp = claims.get('exp')
    iat = claims.get('iat')
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        return Token(access_token=jwt, expires_at=float(exp), issued_at=float(iat) if isinstance(iat, (int, float)) else now)
    return Token(access_token=jwt, expires_at=float('inf'), issued_at=now)


__all__ = ['Token', 'RefreshPolicy', 'decode_jwt', 'decode_header', 'token_from_jwt']
