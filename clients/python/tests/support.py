"""What the tests share: the Gatehouse under test (started by clients/python/test/python-client.test.ts), a session
that counts token requests, a settable clock, and a log capture."""
from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import Counter
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl, urlsplit

import requests

URL = os.environ.get('GATEHOUSE_TEST_URL', '').rstrip('/')
ADMIN_EMAIL = os.environ.get('GATEHOUSE_TEST_ADMIN_EMAIL', '')
ADMIN_PASSWORD = os.environ.get('GATEHOUSE_TEST_ADMIN_PASSWORD', '')

_admin_token: Optional[str] = None


def admin_token() -> str:
    global _admin_token
    if _admin_token is None:
        r = requests.post(f'{URL}/oauth/token', data={'grant_type': 'password', 'username': ADMIN_EMAIL, 'password': ADMIN_PASSWORD}, timeout=10)
        r.raise_for_status()
        _admin_token = r.json()['access_token']
    return _admin_token


def api(method: str, path: str, body: Any = None) -> Any:
    r = requests.request(method, f'{URL}{path}', json=body, headers={'Authorization': f'Bearer {admin_token()}'}, timeout=10)
    if r.status_code >= 300:
        raise AssertionError(f'{method} {path} -> {r.status_code} {r.text}')
    return r.json() if r.text else None


def new_user() -> Dict[str, str]:
    run = uuid.uuid4().hex[:10]
    user = {'email': f'py.{run}@example.org', 'password': f'py secret {run} & ?=#%+'}
    api('POST', '/api/v1/users', {**user, 'name': 'Python'})
    return user


def new_bot() -> Dict[str, str]:
    project = api('POST', '/api/v1/projects', {'name': f'py-{uuid.uuid4().hex[:8]}'})
    bot = api('POST', f'/api/v1/projects/{project["id"]}/bots', {'name': f'py-bot-{uuid.uuid4().hex[:6]}'})
    # A bot reads its project on the management API only with the scope granted to it there.
    api('PUT', f'/api/v1/apis/management/grants/{bot["id"]}', {'scopes': ['projects:read']})
    return bot


def revoke(token: str) -> None:
    r = requests.post(f'{URL}/oauth/revoke', data={'token': token}, timeout=10)
    assert r.status_code == 200, r.text


class CountingSession(requests.Session):
    """Counts the requests it sends by (method, path, grant), thread-safely."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter = Counter()
        self._lock = threading.Lock()

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        grant = ''
        data = kwargs.get('data')
        if isinstance(data, dict):
            grant = data.get('grant_type', '')
        body = kwargs.get('json')
        if isinstance(body, dict):
            grant = body.get('type', '')
        path = urlsplit(url).path
        with self._lock:
            self.counts[(method.upper(), path, grant)] += 1
        return super().request(method, url, *args, **kwargs)

    def token_requests(self) -> int:
        with self._lock:
            return sum(n for (method, path, _), n in self.counts.items() if method == 'POST' and path in ('/oauth/token', '/token', '/api/v1/auth/token'))

    def count(self, path: str, grant: str = '') -> int:
        with self._lock:
            return sum(n for (_, p, g), n in self.counts.items() if p == path and (not grant or g == grant))


class Clock:
    """A clock the test moves; starts at the real time so the server's tokens look right."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def __enter__(self) -> 'LogCapture':
        logger = logging.getLogger('gatehouse')
        self._level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(self)
        # urllib3 logs URLs at DEBUG: include it, a secret must not be there either.
        logging.getLogger('urllib3').addHandler(self)
        logging.getLogger('urllib3').setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: Any) -> None:
        logging.getLogger('gatehouse').removeHandler(self)
        logging.getLogger('gatehouse').setLevel(self._level)
        logging.getLogger('urllib3').removeHandler(self)


def query(url: str) -> Dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))
