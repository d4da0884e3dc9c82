"""Bots without long-lived secrets: ``private_key_jwt`` (RFC 7523 §2.2), workload identity federation, and RFC 8693
token exchange. Signing needs Debian's ``python3-cryptography`` (imported only by :class:`PrivateKeyJwt`); the other
two need nothing beyond ``requests``.

>>> provider = PrivateKeyJwt('https://auth.example', bot_email, open('bot.key').read(), kid='k1', audience='https://api.example')
>>> provider = Federated('https://auth.example', token_file='/var/run/secrets/tokens/gatehouse', audience='https://api.example')
"""
from __future__ import annotations

import base64
import json
import os
import time
import uuid
from typing import Any, Callable, Dict, Optional

from ._http import post_token
from ._token import Token
from .errors import TransportError
from .providers import _IssuerProvider

JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:'


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


class _Signer:
    """A PEM private key (PKCS#8 or traditional) and the one algorithm it signs with: ES256, ES384, RS256, PS256, EdDSA."""

    def __init__(self, pem: str, alg: Optional[str]) -> None:
        try:
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
        except ImportError:  # pragma: no cover - depends on the machine
            raise RuntimeError('PrivateKeyJwt needs the cryptography package (Debian: apt-get install python3-cryptography)') from None
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            alg = alg or ('ES384' if key.curve.name == 'secp384r1' else 'ES256')
            size = 48 if alg == 'ES384' else 32
            digest = hashes.SHA384() if alg == 'ES384' else hashes.SHA256()

            def sign(data: bytes) -> bytes:  # JWS wants r || s, not DER (RFC 7518 §3.4)
                r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
                return r.to_bytes(size, 'big') + s.to_bytes(size, 'big')
        elif isinstance(key, rsa.RSAPrivateKey):
            alg = alg or 'RS256'
            if alg == 'PS256':
                pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            elif alg == 'RS256':
                pad = padding.PKCS1v15()
            else:
                raise ValueError(f'an RSA key signs RS256 or PS256, not {alg}')

            def sign(data: bytes) -> bytes:
                return key.sign(data, pad, hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PrivateKey):
            alg = alg or 'EdDSA'

            def sign(data: bytes) -> bytes:
                return key.sign(data)
        else:
            raise ValueError('unsupported key type (EC P-256/P-384, RSA or Ed25519)')
        self.alg = alg
        self._sign = sign

    def jwt(self, claims: Dict[str, Any], kid: Optional[str]) -> str:
        header = {'alg': self.alg, 'typ': 'JWT', **({'kid': kid} if kid else {})}
        signing_input = f"{_b64url(json.dumps(header, separators=(',', ':')).encode())}.{_b64url(json.dumps(claims, separators=(',', ':')).encode())}"
        return f'{signing_input}.{_b64url(self._sign(signing_input.encode()))}'


class PrivateKeyJwt(_IssuerProvider):
    """client_credentials with a fresh one-minute assertion signed by the bot's key (its public half registered with
    ``gatehouse bots keys add``); no secret is stored anywhere."""

    def __init__(self, issuer: str, client_id: str, private_key_pem: str, *, kid: Optional[str] = None, alg: Optional[str] = None, audience: Optional[str] = None, scope: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(issuer, **kwargs)
        self.client_id = client_id
        self.kid = kid
        self.audience = audience
        self.scope = scope
        self._signer = _Signer(private_key_pem, alg)

    @property
    def cache_key(self) -> str:
        return f'private_key_jwt {self.issuer} {self.client_id} {self.audience or ""} {self.scope or ""}'

    def _fetch(self, current: Optional[Token]) -> Token:
        now = int(time.time())
        assertion = self._signer.jwt({'iss': self.client_id, 'sub': self.client_id, 'aud': self.issuer, 'iat': now, 'exp': now + 60, 'jti': str(uuid.uuid4())}, self.kid)
        data = {'grant_type': 'client_credentials', 'client_assertion_type': JWT_BEARER, 'client_assertion': assertion}
        if self.audience:
            data['audience'] = self.audience
        if self.scope:
            data['scope'] = self.scope
        return post_token(self.session, self.token_endpoint, data=data, now=self.clock(), what='client_credentials (private_key_jwt)')


def github_actions_token(audience: str, env: Optional[Dict[str, str]] = None, session: Any = None) -> Callable[[], str]:
    """A platform token source asking GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN, needs ``id-token: write``)."""

    def read() -> str:
        e = env if env is not None else os.environ
        url, bearer = e.get('ACTIONS_ID_TOKEN_REQUEST_URL'), e.get('ACTIONS_ID_TOKEN_REQUEST_TOKEN')
        if not url or not bearer:
            raise TransportError('invalid_response', 'ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are not set: give the job `permissions: id-token: write`')
        import requests

        r = (session or requests).get(url, params={'audience': audience}, headers={'Authorization': f'bearer {bearer}'}, timeout=10)
        value = r.json().get('value') if r.status_code == 200 else None
        if not isinstance(value, str):
            raise TransportError('invalid_response', f'GitHub OIDC token request answered {r.status_code} without a token')
        return value

    return read


class Federated(_IssuerProvider):
    """Workload identity federation: the platform's token (read from ``token_file`` for every request, e.g. a
    Kubernetes projected token, or from ``platform_token()``, e.g. :func:`github_actions_token`) stands for the bot its
    federation rule names; sent as the client assertion, or with ``via='token_exchange'`` as an RFC 8693 subject token."""

    def __init__(self, issuer: str, *, token_file: Optional[str] = None, platform_token: Optional[Callable[[], str]] = None, client_id: Optional[str] = None, audience: Optional[str] = None, scope: Optional[str] = None, via: str = 'client_assertion', **kwargs: Any) -> None:
        super().__init__(issuer, **kwargs)
        if (token_file is None) == (platform_token is None):
            raise ValueError('give token_file or platform_token')
        if via not in ('client_assertion', 'token_exchange'):
            raise ValueError('via is client_assertion or token_exchange')
        self._read = platform_token or (lambda: open(token_file, encoding='utf-8').read())  # type: ignore[arg-type]
        self.client_id, self.audience, self.scope, self.via = client_id, audience, scope, via

    @property
    def cache_key(self) -> str:
        return f'federated {self.issuer} {self.via} {self.client_id or ""} {self.audience or ""} {self.scope or ""}'

    def _fetch(self, current: Optional[Token]) -> Token:
        external = self._read().strip()
        if self.via == 'token_exchange':
            data = {'grant_type': TOKEN_EXCHANGE, 'subject_token': external, 'subject_token_type': TOKEN_TYPE + 'jwt'}
        else:
            data = {'grant_type': 'client_credentials', 'client_assertion_type': JWT_BEARER, 'client_assertion': external}
            if self.client_id:
                data['client_id'] = self.client_id
        if self.audience:
            data['audience'] = self.audience
        if self.scope:
            data['scope'] = self.scope
        return post_token(self.session, self.token_endpoint, data=data, now=self.clock(), what=f'federated ({self.via})')


class TokenExchange(_IssuerProvider):
    """RFC 8693: a Gatehouse access token exchanged for fewer scopes or another API the bot has a grant on."""

    def __init__(self, issuer: str, subject_token: str, *, subject_token_type: str = 'access_token', audience: Optional[str] = None, scope: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(issuer, **kwargs)
        self._subject = subject_token
        self.subject_token_type, self.audience, self.scope = subject_token_type, audience, scope

    @property
    def cache_key(self) -> str:
        return f'token_exchange {self.issuer} {self._subject[-12:]} {self.audience or ""} {self.scope or ""}'

    def _fetch(self, current: Optional[Token]) -> Token:
        data = {'grant_type': TOKEN_EXCHANGE, 'subject_token': self._subject, 'subject_token_type': TOKEN_TYPE + self.subject_token_type, 'requested_token_type': TOKEN_TYPE + 'access_token'}
        if self.audience:
            data['audience'] = self.audience
        if self.scope:
            data['scope'] = self.scope
        return post_token(self.session, self.token_endpoint, data=data, now=self.clock(), what='token exchange')
