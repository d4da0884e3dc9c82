"""PrivateKeyJwt (signed with Debian's python3-cryptography), Federated and TokenExchange against a real Gatehouse."""
from __future__ import annotations

import base64
import os
import tempfile
import unittest
import uuid

from gatehouse import Federated, OAuthError, PrivateKeyJwt, TokenExchange, decode_jwt
from gatehouse.workload import _Signer

from support import URL, api, new_bot

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
except ImportError:  # pragma: no cover
    serialization = None

API = 'https://py-workload.example'


def b64(n: int, size: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes(size, 'big')).rstrip(b'=').decode()


def keypair(kind: str):
    if kind == 'ES256':
        key = ec.generate_private_key(ec.SECP256R1())
        pub = key.public_key().public_numbers()
        jwk = {'kty': 'EC', 'crv': 'P-256', 'x': b64(pub.x, 32), 'y': b64(pub.y, 32)}
    elif kind in ('RS256', 'PS256'):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pub = key.public_key().public_numbers()
        jwk = {'kty': 'RSA', 'n': b64(pub.n, 256), 'e': b64(pub.e, 3)}
    else:
        key = ed25519.Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {'kty': 'OKP', 'crv': 'Ed25519', 'x': base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return pem, jwk


def api_for(bot):
    apis = api('GET', '/api/v1/apis')
    found = next((a for a in apis if a['identifier'] == API), None) or api('POST', '/api/v1/apis', {'identifier': API, 'scopes': ['read', 'write']})
    # A global API: its administrator gives the bot's project access first (docs/authorization.md).
    api('PUT', f'/api/v1/apis/{found["id"]}/access/{bot["project_id"]}', {'scopes': ['read', 'write']})
    api('PUT', f'/api/v1/apis/{found["id"]}/grants/{bot["id"]}', {'scopes': ['read', 'write']})


@unittest.skipIf(serialization is None, 'python3-cryptography is not installed')
class PrivateKeyJwtTest(unittest.TestCase):
    def test_each_algorithm_gets_a_token(self):
        bot = new_bot()
        api_for(bot)
        for alg in ('ES256', 'RS256', 'PS256', 'EdDSA'):
            pem, jwk = keypair(alg)
            kid = f'py-{alg}'
            api('POST', f'/api/v1/projects/{bot["project_id"]}/bots/{bot["id"]}/keys', {'jwk': {**jwk, 'kid': kid, 'alg': alg}})
            provider = PrivateKeyJwt(URL, bot['client_id'], pem, kid=kid, alg=alg, audience=API, scope='read')
            token = provider.get_token()
            self.assertEqual(token.scope, 'read', alg)
            self.assertEqual(decode_jwt(token.access_token)['sub'], f'bot|{bot["id"]}')

    def test_an_unregistered_key_is_refused_naming_the_check(self):
        bot = new_bot()
        api_for(bot)
        pem, _ = keypair('ES256')
        with self.assertRaises(OAuthError) as caught:
            PrivateKeyJwt(URL, bot['client_id'], pem, kid='nope', audience=API).get_token()
        self.assertEqual(caught.exception.code, 'invalid_client')
        self.assertIn('no registered keys', str(caught.exception))


@unittest.skipIf(serialization is None, 'python3-cryptography is not installed')
class FederatedTest(unittest.TestCase):
    def test_a_projected_token_file_via_assertion_and_exchange_then_downscoping(self):
        # The external issuer is a static-JWKS issuer whose key this test holds (as a cluster would).
        bot = new_bot()
        api_for(bot)
        pem, jwk = keypair('RS256')
        iss = f'https://kubernetes.py-{uuid.uuid4().hex[:6]}.example'
        issuer = api('POST', f'/api/v1/projects/{bot["project_id"]}/federation/issuers', {'issuer': iss, 'jwks': {'keys': [{**jwk, 'kid': 'k8s', 'alg': 'RS256'}]}})
        api('POST', f'/api/v1/projects/{bot["project_id"]}/federation/rules', {'name': 'sa', 'issuer_id': issuer['id'], 'bot_id': bot['id'], 'audience': 'gatehouse', 'subject': 'system:serviceaccount:ns:worker'})
        signer = _Signer(pem, 'RS256')
        import time

        def projected() -> str:
            now = int(time.time())
            return signer.jwt({'iss': iss, 'sub': 'system:serviceaccount:ns:worker', 'aud': ['gatehouse'], 'iat': now, 'exp': now + 600, 'jti': str(uuid.uuid4())}, 'k8s')

        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'gatehouse')
            with open(path, 'w', encoding='utf-8') as f:
                f.write(projected())
            for via in ('client_assertion', 'token_exchange'):
                token = Federated(URL, token_file=path, audience=API, via=via).get_token()
                self.assertEqual(token.scope, 'read write', via)
        narrow = TokenExchange(URL, token.access_token, audience=API, scope='read').get_token()
        self.assertEqual(narrow.scope, 'read')
        with self.assertRaises(OAuthError) as caught:
            TokenExchange(URL, narrow.access_token, audience=API, scope='write').get_token()
        self.assertEqual(caught.exception.code, 'invalid_scope')


if __name__ == '__main__':
    unittest.main()
