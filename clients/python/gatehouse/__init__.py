"""Gatehouse client for Python: bearer tokens for ``requests`` and ``httpx``, kept fresh.

>>> import requests, gatehouse
>>> provider = gatehouse.ClientCredentials('https://auth.example', client_id, client_secret, audience='https://api.example')
>>> requests.get('https://api.example/v1/datasets', auth=gatehouse.Auth(provider))

Providers: :class:`ClientCredentials`, :class:`PasswordLogin` (users and bots, with refresh), :class:`AppToken` /
:class:`FixedToken`. Compatibility with the seed documents' SDKs: :mod:`gatehouse.compat.nomad` and
:mod:`gatehouse.compat.dataloop`.
"""
from ._token import RefreshPolicy, Token, decode_header, decode_jwt
from .auth import Auth
from .cache import FileCache, MemoryCache, TokenCache
from .discovery import clear_discovery_cache, discover
from .errors import GatehouseError, OAuthError, TokenExpiredError, TransportError
from .providers import AppToken, ClientCredentials, FixedToken, PasswordLogin, TokenProvider, request_app_token
from .workload import Federated, PrivateKeyJwt, TokenExchange, github_actions_token

__version__ = '0.1.0'


def __getattr__(name: str):  # HttpxAuth imports httpx only when asked for
    if name == 'HttpxAuth':
        from .httpx_auth import HttpxAuth

        return HttpxAuth
    raise AttributeError(f'module gatehouse has no attribute {name!r}')


__all__ = [
    'Auth', 'HttpxAuth', 'TokenProvider', 'ClientCredentials', 'PrivateKeyJwt', 'Federated', 'TokenExchange', 'github_actions_token', 'PasswordLogin', 'FixedToken', 'AppToken',
    'request_app_token', 'Token', 'RefreshPolicy', 'decode_jwt', 'decode_header', 'discover', 'clear_discovery_cache',
    'FileCache', 'MemoryCache', 'TokenCache', 'GatehouseError', 'OAuthError', 'TransportError', 'TokenExpiredError',
]
