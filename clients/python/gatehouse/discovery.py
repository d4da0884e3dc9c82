"""OpenID Connect discovery (``/.well-known/openid-configuration``) from the issuer URL, cached per issuer."""
from __future__ import annotations

import threading
from typing import Any, Dict, Optional

import requests

from ._http import get_json
from .errors import TransportError

_cache: Dict[str, Dict[str, Any]] = {}
_lock = threading.Lock()


def normalize_issuer(issuer: str) -> str:
    issuer = issuer.strip().rstrip('/')
    if not issuer.startswith(('http://', 'https://')):
        raise ValueError(f'the issuer must be an http(s) URL, got {issuer[:80]!r}')
    return issuer


def discover(issuer: str, session: Optional[requests.Session] = None, *, refresh: bool = False) -> Dict[str, Any]:
    """The issuer's discovery document; fetched once per process and issuer (``refresh=True`` fetches again)."""
    issuer = normalize_issuer(issuer)
    with _lock:
        if not refresh and issuer in _cache:
            return _cache[issuer]
    status, body = get_json(session or requests.Session(), f'{issuer}/.well-known/openid-configuration')
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get('token_endpoint'), str):
        raise TransportError('discovery_failed', f'{issuer}/.well-known/openid-configuration did not answer with a discovery document (HTTP {status})', status)
    if body.get('issuer') not in (issuer, issuer + '/'):
        raise TransportError('discovery_failed', f'the discovery document names another issuer ({str(body.get("issuer"))[:80]})')
    with _lock:
        _cache[issuer] = body
    return body


def clear_discovery_cache() -> None:
    with _lock:
        _cache.clear()
