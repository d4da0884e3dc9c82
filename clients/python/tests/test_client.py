"""The Python client against a real Gatehouse: single-flight across threads and asyncio tasks, renewal ahead of
expiry on an injected clock, rotation, fallback to login, the 401 retry, the compat shims, the file cache, the CLI,
and no secret in any log line or exception."""
from __future__ import annotations

import asyncio
import io
import os
import stat
import tempfile
import threading
import unittest

import httpx
import requests

import gatehouse
from gatehouse import Auth, ClientCredentials, FileCache, FixedToken, HttpxAuth, OAuthError, PasswordLogin, TransportError
from gatehouse.cli import Io, main as cli_main
from gatehouse.compat import dataloop, nomad

from support import URL, Clock, CountingSession, LogCapture, api, new_bot, new_user, revoke

ME = f'{URL}/api/v1/users/me'


def password_login(user, **kwargs):
    session = kwargs.pop('session', None) or CountingSession()
    return PasswordLogin(URL, user['email'], user['password'], session=session, seed=1, **kwargs), session


class SingleFlight(unittest.TestCase):
    def test_50_threads_on_a_cold_cache_make_one_token_request(self):
        user = new_user()
        provider, counted = password_login(user)
        auth = Auth(provider)
        barrier = threading.Barrier(50)
        statuses, errors = [], []

        def call():
            try:
                barrier.wait()
                with requests.Session() as s:
                    statuses.append(s.get(ME, auth=auth, timeout=20).status_code)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=call) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(statuses, [200] * 50)
        self.assertEqual(counted.token_requests(), 1)

    def test_200_asyncio_tasks_on_a_cold_cache_make_one_token_request(self):
        bot = new_bot()
        counted = CountingSession()
        provider = ClientCredentials(URL, bot['client_id'], bot['client_secret'], audience='gatehouse', session=counted, seed=2)

        async def run():
            async with httpx.AsyncClient(auth=HttpxAuth(provider), timeout=30) as client:
                return await asyncio.gather(*(client.get(f'{URL}/api/v1/projects/{bot["project_id"]}') for _ in range(200)))

        responses = asyncio.run(run())
        self.assertEqual([r.status_code for r in responses], [200] * 200)
        self.assertEqual(counted.token_requests(), 1)

    def test_50_threads_and_200_tasks_together_make_one_token_request(self):
        user = new_user()
        provider, counted = password_login(user)
        start = threading.Event()
        results = []

        def thread():
            start.wait()
            results.append(provider.get_token())

        threads = [threading.Thread(target=thread) for _ in range(50)]
        for t in threads:
            t.start()

        async def tasks():
            start.set()
            return await asyncio.gather(*(provider.aget_token() for _ in range(200)))

        results.extend(asyncio.run(tasks()))
        for t in threads:
            t.join()
        self.assertEqual(len(results), 250)
        self.assertEqual(len({r.access_token for r in results}), 1)
        self.assertEqual(counted.token_requests(), 1)

    def test_sync_httpx_client(self):
        user = new_user()
        provider, counted = password_login(user)
        with httpx.Client(auth=HttpxAuth(provider)) as client:
            self.assertEqual([client.get(ME).status_code for _ in range(3)], [200] * 3)
        self.assertEqual(counted.token_requests(), 1)


class Renewal(unittest.TestCase):
    def test_renewed_ahead_of_expiry_and_the_rotated_refresh_token_is_stored(self):
        user = new_user()
        clock = Clock()
        provider, counted = password_login(user, clock=clock)
        first = provider.get_token()
        self.assertEqual(provider.get_token(), first, 'fresh: no request')
        clock.advance(first.lifetime * 0.5 - 1)
        self.assertIs(provider.get_token(), first, 'before half its lifetime it is never renewed')
        clock.advance(first.lifetime * 0.4 + 2)  # past the refresh point (80 % less up to 10 % jitter, or 60 s before exp)
        second = provider.get_token()
        self.assertNotEqual(second.refresh_token, first.refresh_token, 'rotated')
        self.assertEqual(counted.count('/oauth/token', 'refresh_token'), 1)
        # The next renewal presents the stored (rotated) token: presenting the spent one would end the session.
        clock.advance(second.lifetime)
        third = provider.get_token()
        self.assertEqual(counted.count('/oauth/token', 'refresh_token'), 2)
        self.assertEqual(counted.count('/oauth/token', 'password'), 1, 'no fallback login was needed')
        self.assertEqual(requests.get(ME, headers={'Authorization': f'Bearer {third.access_token}'}).status_code, 200)

    def test_a_refused_refresh_falls_back_to_a_login_with_the_held_credentials(self):
        user = new_user()
        clock = Clock()
        provider, counted = password_login(user, clock=clock)
        first = provider.get_token()
        revoke(first.refresh_token)
        clock.advance(first.lifetime)
        renewed = provider.get_token()
        self.assertEqual(counted.count('/oauth/token', 'refresh_token'), 1)
        self.assertEqual(counted.count('/oauth/token', 'password'), 2)
        self.assertEqual(requests.get(ME, auth=Auth(provider)).status_code, 200)
        self.assertNotEqual(renewed.refresh_token, first.refresh_token)

    def test_a_failed_renewal_keeps_a_still_valid_token_and_raises_once_it_is_not(self):
        bot = new_bot()
        clock = Clock()
        provider = ClientCredentials(URL, bot['client_id'], bot['client_secret'], audience='gatehouse', clock=clock, token_endpoint='http://127.0.0.1:9/oauth/token', session=requests.Session())
        with self.assertRaises(TransportError):
            provider.get_token()
        ok = ClientCredentials(URL, bot['client_id'], bot['client_secret'], audience='gatehouse', clock=clock, session=requests.Session())
        token = ok.get_token()
        ok._token_endpoint = 'http://127.0.0.1:9/oauth/token'  # the server goes away
        clock.advance(token.lifetime * 0.9)
        self.assertIs(ok.get_token(), token, 'still usable: kept')
        clock.advance(token.lifetime)
        with self.assertRaises(TransportError) as raised:
            ok.get_token()
        self.assertEqual(raised.exception.code, 'network_error')

    def test_fixed_and_app_tokens(self):
        user = new_user()
        login, _ = password_login(user)
        value = gatehouse.request_app_token(login, URL, expires_in=120)
        clock = Clock()
        app = gatehouse.AppToken(value, clock=clock)
        self.assertEqual(requests.get(ME, auth=Auth(app)).json()['email'], user['email'])
        clock.advance(200)
        with self.assertRaises(gatehouse.TokenExpiredError):
            app.get_token()
        self.assertEqual(FixedToken('opaque-token').get_token().access_token, 'opaque-token')


class RetryOn401(unittest.TestCase):
    def test_requests_retries_once_with_a_fresh_token(self):
        user = new_user()
        provider, counted = password_login(user)
        auth = Auth(provider)
        self.assertEqual(requests.get(ME, auth=auth).status_code, 200)
        revoke(provider.get_token().access_token)
        response = requests.get(ME, auth=auth)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([r.status_code for r in response.history], [401])
        self.assertEqual(counted.count('/oauth/token', 'refresh_token'), 1)

    def test_a_401_that_persists_is_returned_after_one_retry(self):
        provider = FixedToken('not-a-token')
        response = requests.get(ME, auth=Auth(provider))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(len(response.history), 1)

    def test_httpx_retries_once_sync_and_async(self):
        user = new_user()
        provider, counted = password_login(user)
        with httpx.Client(auth=HttpxAuth(provider)) as client:
            self.assertEqual(client.get(ME).status_code, 200)
            revoke(provider.get_token().access_token)
            self.assertEqual(client.get(ME).status_code, 200)

        async def run():
            async with httpx.AsyncClient(auth=HttpxAuth(provider)) as client:
                revoke(provider.get_token().access_token)
                return (await client.get(ME)).status_code

        self.assertEqual(asyncio.run(run()), 200)
        self.assertEqual(counted.count('/oauth/token', 'refresh_token'), 2)


class Compat(unittest.TestCase):
    def test_nomad_auth_logs_in_with_post_and_refreshes_10_s_before_expiry(self):
        user = new_user()
        counted = CountingSession()
        clock = Clock()
        auth = nomad.Auth(user=user['email'], password=user['password'], url=f'{URL}/api', session=counted, clock=clock)
        response = requests.get(f'{URL}/api/v1/users/me', auth=auth)
        self.assertEqual(response.json()['email'], user['email'])
        self.assertEqual(counted.count('/api/v1/auth/token'), 1, 'POST /api/v1/auth/token')
        self.assertTrue(auth.headers()['Authorization'].startswith('Bearer '))
        token = auth.provider.get_token()
        clock.advance(token.lifetime - 11)
        auth.headers()
        self.assertEqual(counted.count('/oauth/token', 'refresh_token'), 0, 'not yet: 11 s left')
        clock.advance(2)
        auth.headers()
        self.assertEqual(counted.count('/oauth/token', 'refresh_token'), 1, 'renewed 10 s before expiry')
        with self.assertRaises(ValueError):
            nomad.Auth(user='', password='')

    def test_dataloop_login_m2m_session_renews_itself_as_dtlpy_does(self):
        user = new_user()
        counted = CountingSession()
        clock = Clock()
        session = dataloop.login_m2m(user['email'], user['password'], gate_url=URL, session=counted, clock=clock)
        first = session.get(ME)
        self.assertEqual(first.status_code, 200)
        sent = first.request.headers['Authorization'][7:]
        self.assertEqual(gatehouse.decode_jwt(sent)['aud'], 'gatehouse-dataloop', 'the id_token is the bearer, as in dtlpy')
        self.assertEqual(counted.count('/token', 'user_credentials'), 1)
        clock.advance(86400 - 59)  # dtlpy: expired 60 s before exp
        for _ in range(3):
            self.assertEqual(session.get(ME).status_code, 200)
            clock.advance(86400)
        self.assertEqual(counted.count('/token', 'refresh_token'), 3)
        self.assertEqual(counted.count('/token', 'user_credentials'), 1, 'renewed, never a new login')
        with self.assertRaises(OAuthError) as raised:
            dataloop.login_m2m(user['email'], 'wrong password', gate_url=URL)
        self.assertEqual(raised.exception.code, 'invalid_grant')


class FileCacheTests(unittest.TestCase):
    def test_a_second_process_shares_the_token_and_the_file_is_private(self):
        user = new_user()
        directory = tempfile.mkdtemp()
        path = os.path.join(directory, 'gatehouse', 'tokens.json')
        one, c1 = password_login(user, cache=FileCache(path))
        token = one.get_token()
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)
        with open(path, encoding='utf-8') as f:
            text = f.read()
        self.assertNotIn(user['password'], text, 'tokens only, never the password')
        two, c2 = password_login(user, cache=FileCache(path))
        self.assertEqual(two.get_token().access_token, token.access_token)
        self.assertEqual(c2.token_requests(), 0, 'the second process asked nobody')


    def test_processes_sharing_the_file_never_present_the_same_refresh_token(self):
        user = new_user()
        path = os.path.join(tempfile.mkdtemp(), 'tokens.json')
        clock = Clock()
        one, c1 = password_login(user, cache=FileCache(path), clock=clock)
        two, c2 = password_login(user, cache=FileCache(path), clock=clock)
        first = one.get_token()
        self.assertEqual(two.get_token().access_token, first.access_token)
        clock.advance(first.lifetime)
        renewed = one.get_token()  # rotates the refresh token both hold
        self.assertNotEqual(renewed.refresh_token, first.refresh_token)
        self.assertEqual(two.get_token().access_token, renewed.access_token, "the other process's renewal is used")
        self.assertEqual(c2.token_requests(), 0, 'the spent refresh token was never presented')
        clock.advance(renewed.lifetime)
        threads = [threading.Thread(target=p.get_token) for p in (one, two) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(c1.count('/oauth/token', 'refresh_token') + c2.count('/oauth/token', 'refresh_token'), 2, 'one renewal per expiry across both')
        self.assertEqual(c1.count('/oauth/token', 'password') + c2.count('/oauth/token', 'password'), 1, 'the session never ended')


class Secrets(unittest.TestCase):
    def test_no_secret_in_any_log_line_or_exception(self):
        user = new_user()
        bot = new_bot()
        secrets = [user['password'], bot['client_secret'], bot['password']]
        with LogCapture() as logs:
            provider, _ = password_login(user, clock=Clock())
            token = provider.get_token()
            secrets += [token.access_token, token.refresh_token, token.id_token]
            provider.clock.advance(token.lifetime)
            renewed = provider.get_token()
            secrets += [renewed.access_token, renewed.refresh_token]
            errors = []
            for bad in (PasswordLogin(URL, user['email'], user['password'] + 'x'),
                        ClientCredentials(URL, bot['client_id'], bot['client_secret'] + 'x', audience='gatehouse'),
                        ClientCredentials(URL, bot['client_id'], bot['client_secret'], audience='gatehouse', token_endpoint='http://127.0.0.1:9/t')):
                with self.assertRaises(gatehouse.GatehouseError) as raised:
                    bad.get_token()
                errors.append(raised.exception)
                errors.append(repr(bad))
            self.assertEqual([e.code for e in errors if isinstance(e, Exception)], ['invalid_grant', 'invalid_client', 'network_error'])
            errors += [repr(token), repr(provider), repr(nomad.Auth(user=user['email'], password=user['password'], url=f'{URL}/api'))]
        self.assertTrue(logs.lines, 'something was logged')
        texts = logs.lines + [str(e) for e in errors] + [repr(e) for e in errors]
        for secret in secrets:
            for text in texts:
                self.assertNotIn(secret, text)


class Cli(unittest.TestCase):
    def test_login_token_decode(self):
        user = new_user()
        home = tempfile.mkdtemp()
        env = {'XDG_CONFIG_HOME': home, 'GATEHOUSE_PASSWORD': user['password']}
        out, err = io.StringIO(), io.StringIO()
        self.assertEqual(cli_main(['login', '--issuer', URL, '--username', user['email']], Io(env=env, stdout=out, stderr=err)), 0, err.getvalue())
        path = os.path.join(home, 'gatehouse', 'credentials.json')
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertNotIn(user['password'], open(path, encoding='utf-8').read() + err.getvalue())
        out = io.StringIO()
        self.assertEqual(cli_main(['token'], Io(env={'XDG_CONFIG_HOME': home}, stdout=out, stderr=err)), 0)
        access = out.getvalue().strip()
        self.assertEqual(requests.get(ME, headers={'Authorization': f'Bearer {access}'}).status_code, 200)
        clock = Clock()
        clock.advance(86400)
        out = io.StringIO()
        self.assertEqual(cli_main(['token'], Io(env={'XDG_CONFIG_HOME': home}, stdout=out, stderr=err, clock=clock)), 0, err.getvalue())
        self.assertNotEqual(out.getvalue().strip(), access, 'refreshed')
        out = io.StringIO()
        self.assertEqual(cli_main(['decode', access], Io(env={}, stdout=out, stderr=err)), 0)
        self.assertIn('Signature not verified.', out.getvalue())
        self.assertEqual(cli_main(['nope'], Io(env={}, stdout=io.StringIO(), stderr=io.StringIO())), 2)
        err = io.StringIO()
        self.assertEqual(cli_main(['login', '--issuer', URL, '--username', user['email'], '--password', 'wrong'], Io(env={'XDG_CONFIG_HOME': home}, stderr=err)), 1)
        self.assertIn('wrong email or password', err.getvalue())


class Discovery(unittest.TestCase):
    def test_discovery_from_the_issuer(self):
        document = gatehouse.discover(URL + '/')
        self.assertEqual(document['token_endpoint'], f'{URL}/oauth/token')
        with self.assertRaises(ValueError):
            gatehouse.discover('ftp://example')


if __name__ == '__main__':
    unittest.main()
