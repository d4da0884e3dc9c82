"""Dataloop's ``dl.login_m2m(email, password)`` over Gatehouse: a ``requests.Session`` whose requests carry a JWT
that renews itself.

As dtlpy does on the wire: it logs in with ``POST {gate}/token?default`` and
``{"username","password","type":"user_credentials"}``, sends the **id_token** as its bearer token, treats a token as
expired 60 s before ``exp``, and renews with ``{"type":"refresh_token","refresh_token":...}``. Unlike dtlpy it keeps
the refresh token of every answer (so it also works when the route rotates them), and when a renewal is refused it
logs in again with the credentials it holds.
"""
from __future__ import annotations

import os
from typing import Any, Optional

import requests

from .._http import post_token
from .._token import RefreshPolicy, Token
from ..auth import Auth
from ..providers import PasswordLogin


def _gate_url(gate_url: Optional[str]) -> str:
    return (gate_url or os.environ.get('DATALOOP_GATE_URL') or os.environ.get('GATEHOUSE_URL') or 'http://127.0.0.1:8080').rstrip('/')


class DataloopLogin(PasswordLogin):
    """The Dataloop route's login and renewal; the bearer is the ``id_token``."""

    bearer_field = 'id_token'

    def __init__(self, gate_url: str, email: str, password: str, **kwargs: Any) -> None:
        kwargs.setdefault('policy', RefreshPolicy(refresh_ratio=1, refresh_before=60, clock_skew=0, jitter=0))
        super().__init__(gate_url, email, password, token_endpoint=f'{gate_url.rstrip("/")}/token?default', **kwargs)

    def _login(self) -> Token:
        body = {'username': self.username, 'password': self._password, 'type': 'user_credentials'}
        return post_token(self.session, self.token_endpoint, json_body=body, now=self.clock(), what='Dataloop login')

    def _refresh(self, refresh_token: str) -> Token:
        return post_token(self.session, self.token_endpoint, json_body={'type': 'refresh_token', 'refresh_token': refresh_token}, now=self.clock(), what='Dataloop renewal')


def login_m2m(email: str, password: str, *, gate_url: Optional[str] = None, **provider_options: Any) -> requests.Session:
    """Logs in now (so wrong credentials fail here, as in dtlpy) and returns a session that stays logged in."""
    provider = DataloopLogin(_gate_url(gate_url), email, password, **provider_options)
    provider.get_token()
    session = requests.Session()
    session.auth = Auth(provider)
    return session


__all__ = ['login_m2m', 'DataloopLogin']
