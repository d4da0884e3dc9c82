"""Token providers: where a bearer token comes from, kept fresh.

Every provider hands out a token with ``get_token()`` (threads) or ``await aget_token()`` (asyncio) and renews it
ahead of its expiry by its :class:`RefreshPolicy`. However many threads and tasks ask at once, a provider makes ONE
token request at a time: threads wait on a lock, tasks of one event loop await one shared future, and whoever gets
the lock after a renewal uses its result instead of asking again. With refresh-token rotation that matters: two
refreshes with one token would end the session.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from typing import Any, Callable, Dict, Mapping, Optional

import requests

from ._http import basic_credentials, get_json, post_token
from ._token import RefreshPolicy, Token, new_rng, token_from_jwt
from .cache import MemoryCache, TokenCache
from .discovery import discover, normalize_issuer
from .errors import GatehouseError, OAuthError, TokenExpiredError, TransportError

log = logging.getLogger('gatehouse')

Clock = Callable[[], float]


class TokenProvider:
    """Base class. Subclasses implement :meth:`_fetch` (one token request) and may override :meth:`bearer`."""

    #: The field of the token response sent as the bearer token.
    bearer_field = 'access_token'

    def __init__(
        self,
        *,
        policy: Optional[RefreshPolicy] = None,
        clock: Clock = time.time,
        cache: Optional[TokenCache] = None,
        session: Optional[requests.Session] = None,
        seed: Optional[int] = None,
    ) -> None:
        self.policy = policy or RefreshPolicy()
        self.clock = clock
        self.session = session or requests.Session()
        self._cache = cache or MemoryCache()
        self._rng = new_rng(seed)
        self._lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._token: Optional[Token] = None
        self._draw = 0.0
        self._loaded = False
        self._stale: Optional[str] = None  # a bearer a server refused: renew even if it looks fresh
        self._inflight: 'weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[Token]]' = weakref.WeakKeyDictionary()

    # ---- what subclasses provide -------------------------------------------------------------------------

    @property
    def cache_key(self) -> str:
        """Names this provider's token in a shared cache; never holds a secret."""
        raise NotImplementedError

    def _fetch(self, current: Optional[Token]) -> Token:
        """One token request. ``current`` is the token held now (its refresh token may be used), or None."""
        raise NotImplementedError

    def bearer(self, token: Token) -> str:
        value = getattr(token, self.bearer_field)
        if not value:
            raise TransportError('invalid_response', f'the token response has no {self.bearer_field}')
        return str(value)

    # ---- the public surface --------------------------------------------------------------------------------

    def get_token(self, force: bool = False) -> Token:
        """A usable token, renewed first when the policy says so (or ``force``)."""
        seen = self._token
        if not force and self._fresh(seen):
            return seen  # type: ignore[return-value]
        exclusive = getattr(self._cache, 'exclusive', None)
        with self._lock, (exclusive() if exclusive else contextlib.nullcontext()):
            self._load()
            current = self._token
            if current is not seen and self._fresh(current):
                return current  # type: ignore[return-value]  # renewed while we waited: do not ask again
            if not force and self._fresh(current):
                return current  # type: ignore[return-value]
            now = self.clock()
            try:
                token = self._fetch(current)
            except GatehouseError as error:
                if current is not None and self._stale != self.bearer(current) and now < self.policy.usable_until(current) and not force:
                    log.warning('token renewal failed (%s); the current token is still valid and is used until it expires', error.code)
                    return current
                raise
            self._set(token)
            return token

    async def aget_token(self, force: bool = False) -> Token:
        """As :meth:`get_token`, for asyncio: the tasks of one loop share one request, run in a worker thread."""
        seen = self._token
        if not force and self._fresh(seen):
            return seen  # type: ignore[return-value]
        loop = asyncio.get_running_loop()
        future = self._inflight.get(loop)
        if future is None or future.done():
            future = asyncio.ensure_future(loop.run_in_executor(None, self.get_token, force))
            self._inflight[loop] = future
        return await asyncio.shield(future)

    def invalidate(self, bearer: Optional[str] = None) -> None:
        """Drops the held token if it is still ``bearer`` (the one a server just refused), so that many callers
        reacting to the same 401 cause one renewal, not many."""
        with self._state_lock:
            current = self._token
            if current is not None and (bearer is None or self.bearer(current) == bearer):
                self._stale = self.bearer(current)

    def close(self) -> None:
        """Closes the provider's HTTP session."""
        self.session.close()

    def __enter__(self) -> 'TokenProvider':
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def headers(self) -> Dict[str, str]:
        """``{'Authorization': 'Bearer ...'}`` with a fresh token."""
        return {'Authorization': f'Bearer {self.bearer(self.get_token())}'}

    # ---- internals -----------------------------------------------------------------------------------------

    def _fresh(self, token: Optional[Token]) -> bool:
        if token is None:
            return False
        if self._stale is not None and self._stale == getattr(token, self.bearer_field):
            return False
        return self.clock() < self.policy.refresh_at(token, self._draw)

    def _set(self, token: Token) -> None:
        with self._state_lock:
            self._token = token
            self._stale = None
            self._draw = self._rng.random()
        try:
            self._cache.store(self.cache_key, token.to_dict())
        except OSError as error:
            log.warning('could not write the token cache (%s)', type(error).__name__)

    def _load(self) -> None:
        """Reads the cache: once for a private one; before every token request for a shared one, where another
        process may have renewed (and rotated the refresh token) since."""
        if self._loaded and not getattr(self._cache, 'shared', False):
            return
        self._loaded = True
        try:
            saved = self._cache.load(self.cache_key)
        except OSError as error:
            log.warning('could not read the token cache (%s)', type(error).__name__)
            return
        if not saved:
            return
        try:
            token = Token.from_dict(saved)
        except (TypeError, KeyError):
            return
        current = self._token
        if current is None or token.access_token != current.access_token and token.issued_at >= current.issued_at:
            with self._state_lock:
                self._token = token
                self._draw = self._rng.random()

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.cache_key})'


class _IssuerProvider(TokenProvider):
    """A provider that talks to an issuer's token endpoint (found by discovery unless given)."""

    def __init__(self, issuer: str, *, token_endpoint: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.issuer = normalize_issuer(issuer)
        self._token_endpoint = token_endpoint

    @property
    def token_endpoint(self) -> str:
        if self._token_endpoint is None:
            self._token_endpoint = str(discover(self.issuer, self.session)['token_endpoint'])
        return self._token_endpoint


class ClientCredentials(_IssuerProvider):
    """RFC 6749 §4.4 for an API client (a bot's client id and secret), for one ``audience``.

    >>> provider = ClientCredentials('https://auth.example', 'my-bot@bots.example', secret, audience='https://api.example')
    """

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        audience: Optional[str] = None,
        scope: Optional[str] = None,
        auth_method: str = 'client_secret_basic',
        **kwargs: Any,
    ) -> None:
        super().__init__(issuer, **kwargs)
        if auth_method not in ('client_secret_basic', 'client_secret_post'):
            raise ValueError('auth_method is client_secret_basic or client_secret_post')
        self.client_id = client_id
        self._client_secret = client_secret
        self.audience = audience
        self.scope = scope
        self.auth_method = auth_method

    @property
    def cache_key(self) -> str:
        return f'client_credentials {self.issuer} {self.client_id} {self.audience or ""} {self.scope or ""}'

    def _fetch(self, current: Optional[Token]) -> Token:
        data: Dict[str, str] = {'grant_type': 'client_credentials'}
        if self.audience:
            data['audience'] = self.audience
        if self.scope:
            data['scope'] = self.scope
        auth = None
        if self.auth_method == 'client_secret_basic':
            auth = basic_credentials(self.client_id, self._client_secret)
        else:
            data.update(client_id=self.client_id, client_secret=self._client_secret)
        return post_token(self.session, self.token_endpoint, data=data, auth=auth, now=self.clock(), what='client_credentials')


class PasswordLogin(_IssuerProvider):
    """RFC 6749 §4.3 for a user or a bot (its email and password), renewed with its refresh token.

    The rotated refresh token of every answer is kept. When a refresh fails (the session ended, was revoked, or
    the refresh token expired), the provider logs in again with the credentials it holds.
    """

    def __init__(
        self,
        issuer: str,
        username: str,
        password: str,
        *,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        audience: Optional[str] = None,
        scope: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(issuer, **kwargs)
        self.username = username
        self._password = password
        self.client_id = client_id
        self._client_secret = client_secret
        self.audience = audience
        self.scope = scope

    @property
    def cache_key(self) -> str:
        return f'password {self.issuer} {self.client_id or "-"} {self.username} {self.audience or ""} {self.scope or ""}'

    def _client_auth(self):  # type: ignore[no-untyped-def]
        if self.client_id and self._client_secret is not None:
            return basic_credentials(self.client_id, self._client_secret)
        return None

    def _login(self) -> Token:
        data = {'grant_type': 'password', 'username': self.username, 'password': self._password}
        if self.audience:
            data['audience'] = self.audience
        if self.scope:
            data['scope'] = self.scope
        return post_token(self.session, self.token_endpoint, data=data, auth=self._client_auth(), now=self.clock(), what='password login')

    def _refresh(self, refresh_token: str) -> Token:
        data = {'grant_type': 'refresh_token', 'refresh_token': refresh_token}
        return post_token(self.session, self.token_endpoint, data=data, auth=self._client_auth(), now=self.clock(), what='refresh')

    def _fetch(self, current: Optional[Token]) -> Token:
        if current is None or not current.refresh_token:
            return self._login()
        try:
            token = self._refresh(current.refresh_token)
        except OAuthError as error:
            log.info('refresh refused (%s); logging in again', error.code)
            return self._login()
        if token.refresh_token is None:
            # A server that does not rotate may leave it out: the one held stays valid.
            token = Token(**{**token.to_dict(), 'refresh_token': current.refresh_token})
        return token


class FixedToken(TokenProvider):
    """A token given as is (an app token, a token from elsewhere). It cannot be renewed: once it is too close to
    its ``exp`` (when it is a JWT), :meth:`get_token` raises :class:`TokenExpiredError`."""

    def __init__(self, token: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not token:
            raise ValueError('FixedToken needs the token string')
        self._fixed = token_from_jwt(token, self.clock())

    @property
    def cache_key(self) -> str:
        return 'fixed'

    def get_token(self, force: bool = False) -> Token:
        if self.clock() >= self.policy.usable_until(self._fixed):
            raise TokenExpiredError('token_expired', 'the token has expired and cannot be renewed; get a new one')
        return self._fixed

    async def aget_token(self, force: bool = False) -> Token:
        return self.get_token(force)

    def invalidate(self, bearer: Optional[str] = None) -> None:
        pass  # the only token there is


#: An app token (NOMAD's ``/auth/app_token``, Gatehouse's ``POST /api/v1/users/me/app-tokens``) is a fixed token.
AppToken = FixedToken


def request_app_token(provider: TokenProvider, base_url: str, expires_in: int = 3600) -> str:
    """Mints an app token with NOMAD's ``GET {base_url}/api/v1/auth/app_token?expires_in=N``, authenticated by
    ``provider``; wrap the result in :class:`AppToken`."""
    status, body = get_json(
        provider.session,
        f'{base_url.rstrip("/")}/api/v1/auth/app_token?expires_in={int(expires_in)}',
        headers=provider.headers(),
    )
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get('access_token'), str):
        message = body.get('message') if isinstance(body, dict) else None
        raise GatehouseError('app_token_refused', str(message or f'HTTP {status}')[:300], status)
    return str(body['access_token'])


def token_from(value: Mapping[str, Any], now: float) -> Token:
    """A Token from a token endpoint's JSON answer (for custom providers)."""
    return Token.from_response(value, now)
