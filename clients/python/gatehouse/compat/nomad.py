"""``nomad.client.Auth`` over Gatehouse: ``requests.get(url, auth=Auth(user='...', password='...'))``.

As NOMAD's own client does: it logs in with ``POST {url}/v1/auth/token`` (a form with ``username`` and
``password``), renews 10 s before expiry with the refresh token, and falls back to a fresh password login when a
refresh fails. ``url`` is NOMAD's API base (``https://nomad-lab.eu/prod/v1/api``); for Gatehouse give its base
URL plus ``/api``, or set ``NOMAD_CLIENT_URL`` (or ``GATEHOUSE_URL``, to which ``/api`` is added).
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional


from .._http import post_token
from .._token import RefreshPolicy, Token
from ..auth import Auth as _BearerAuth
from ..providers import PasswordLogin


def _api_url(url: Optional[str]) -> str:
    if url:
        return url.rstrip('/')
    if os.environ.get('NOMAD_CLIENT_URL'):
        return os.environ['NOMAD_CLIENT_URL'].rstrip('/')
    if os.environ.get('GATEHOUSE_URL'):
        return os.environ['GATEHOUSE_URL'].rstrip('/') + '/api'
    return 'http://127.0.0.1:8080/api'


class NomadLogin(PasswordLogin):
    """Password login at NOMAD's ``/v1/auth/token``; refreshes at the issuer's token endpoint."""

    def __init__(self, api_url: str, user: str, password: str, **kwargs: Any) -> None:
        self.api_url = api_url.rstrip('/')
        issuer = self.api_url[: -len('/api')] if self.api_url.endswith('/api') else self.api_url
        kwargs.setdefault('policy', RefreshPolicy(refresh_ratio=1, refresh_before=10, clock_skew=0, jitter=0))
        super().__init__(issuer, user, password, **kwargs)

    def _login(self) -> Token:
        return post_token(self.session, f'{self.api_url}/v1/auth/token', data={'username': self.username, 'password': self._password}, now=self.clock(), what='NOMAD login')


class Auth(_BearerAuth):
    """NOMAD's ``Auth(user, password, from_api=False)``: a ``requests`` auth with ``.headers()``."""

    def __init__(self, user: Optional[str] = None, password: Optional[str] = None, from_api: bool = False, *, url: Optional[str] = None, **provider_options: Any) -> None:
        user = user if user is not None else os.environ.get('NOMAD_USERNAME')
        password = password if password is not None else os.environ.get('NOMAD_PASSWORD')
        if not user or not password:
            raise ValueError('NOMAD Auth needs a user and a password (or NOMAD_USERNAME and NOMAD_PASSWORD)')
        self.user = user
        self.from_api = from_api
        super().__init__(NomadLogin(_api_url(url), user, password, **provider_options))

    def headers(self) -> Dict[str, str]:
        """``{'Authorization': 'Bearer <access token>'}``, renewed when needed."""
        return self.provider.headers()

    def __repr__(self) -> str:
        return f'Auth(user={self.user!r})'


__all__ = ['Auth', 'NomadLogin']
