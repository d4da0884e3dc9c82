"""The token endpoint on the wire: one POST, its answer turned into a Token or an OAuthError."""
from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote

import requests

from ._token import Token
from .errors import OAuthError, TransportError

log = logging.getLogger('gatehouse')

DEFAULT_TIMEOUT = 10.0


def basic_credentials(client_id: str, client_secret: str) -> Tuple[str, str]:
    """RFC 6749 §2.3.1: the id and secret are form-urlencoded before Basic encoding."""
    enc = lambda s: quote(s, safe='').replace('%20', '+')  # noqa: E731
    return enc(client_id), enc(client_secret)


def post_token(
    session: requests.Session,
    url: str,
    *,
    data: Optional[Mapping[str, str]] = None,
    json_body: Optional[Mapping[str, Any]] = None,
    auth: Optional[Tuple[str, str]] = None,
    now: float,
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> Token:
    """Sends one token request and returns the token. ``what`` names the request in logs (never a secret)."""
    log.debug('token request: %s at %s', what, url)
    try:
        response = session.post(url, data=data, json=json_body, auth=auth, timeout=timeout, headers={'Accept': 'application/json'})
    except requests.RequestException as error:
        # Not str(error): some transport errors quote the request.
        raise TransportError('network_error', f'{what}: could not reach {url} ({type(error).__name__})') from None
    body = parse_json(response)
    if response.status_code != 200:
        if isinstance(body, dict) and isinstance(body.get('error'), str):
            code = body['error'][:64]
            description = str(body.get('error_description') or '')[:300]
            log.info('token request refused: %s: %s (HTTP %s)', what, code, response.status_code)
            raise OAuthError(code, description, response.status_code)
        raise TransportError('server_error', f'{what}: HTTP {response.status_code} from {url}', response.status_code)
    if not isinstance(body, dict) or not isinstance(body.get('access_token'), str):
        raise TransportError('invalid_response', f'{what}: {url} answered 200 without an access_token', 200)
    token = Token.from_response(body, now)
    log.info('token received: %s, expires in %.0f s%s', what, token.lifetime, ', with a refresh token' if token.refresh_token else '')
    return token


def parse_json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def get_json(session: requests.Session, url: str, *, headers: Optional[Dict[str, str]] = None, timeout: float = DEFAULT_TIMEOUT) -> Tuple[int, Any]:
    try:
        response = session.get(url, headers=headers or {}, timeout=timeout)
    except requests.RequestException as error:
        raise TransportError('network_error', f'could not reach {url.split("?")[0]} ({type(error).__name__})') from None
    return response.status_code, parse_json(response)
