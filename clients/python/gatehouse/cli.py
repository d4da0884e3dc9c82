"""``python -m gatehouse login | token | decode``, mirroring the TypeScript CLI (``gatehouse login|token|decode``).

It reads and writes the same credentials file (``$XDG_CONFIG_HOME/gatehouse/credentials.json``, else
``~/.config/gatehouse/credentials.json``; mode 0600 in a 0700 directory) with the same lock file, so either CLI can
log in and the other print the token. Only tokens are saved, never a password or a client secret.

Exit codes: 0 success, 1 failure (not logged in, refused, unreachable), 2 wrong usage.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, TextIO

import requests

from ._http import basic_credentials, post_token
from ._token import RefreshPolicy, Token, decode_header, decode_jwt
from .discovery import discover, normalize_issuer
from .errors import GatehouseError

LOGIN_USAGE = """Usage:
  python -m gatehouse login --issuer URL --username EMAIL [--password PW] [--audience AUD] [--scope "a b"]
  python -m gatehouse login --issuer URL --client-id ID [--client-secret SECRET] --audience AUD [--scope "a b"]
The password (or client secret) is read from GATEHOUSE_PASSWORD (GATEHOUSE_CLIENT_SECRET), else from stdin.
Only tokens are saved, never the password or secret.
"""
TOKEN_USAGE = """Usage:
  python -m gatehouse token [--issuer URL]
Prints a valid access token for the last (or the given) issuer logged in to, refreshing it when needed:
  curl -H "Authorization: Bearer $(python -m gatehouse token)" https://api.example/v1/datasets
"""
DECODE_USAGE = """Usage:
  python -m gatehouse decode JWT        (or - to read it from stdin)
Shows the header and claims, and when the token expires. The signature is NOT verified.
"""

# The TypeScript CLI's policy (packages/client/src/policy.ts), without jitter: one process, one decision.
POLICY = RefreshPolicy(refresh_ratio=0.8, refresh_before=60, clock_skew=30, jitter=0)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def config_dir(env: Mapping[str, str]) -> str:
    if env.get('XDG_CONFIG_HOME'):
        return os.path.join(env['XDG_CONFIG_HOME'], 'gatehouse')
    return os.path.join(env.get('HOME') or os.path.expanduser('~'), '.config', 'gatehouse')


def credentials_path(env: Mapping[str, str]) -> str:
    return os.path.join(config_dir(env), 'credentials.json')


def read_credentials(path: str) -> Dict[str, Any]:
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except FileNotFoundError:
        return {'version': 1, 'sessions': {}}
    if not isinstance(data, dict) or not isinstance(data.get('sessions'), dict):
        return {'version': 1, 'sessions': {}}
    return data


def write_credentials(path: str, data: Mapping[str, Any]) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    temporary = f'{path}.{os.getpid()}.tmp'
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as f:
        f.write(json.dumps(data, indent=2) + '\n')
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


@contextmanager
def credentials_lock(path: str, stale: float = 30.0) -> Iterator[None]:
    """The TypeScript CLI's lock: an exclusively created ``credentials.json.lock``, removed when done."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    lock = path + '.lock'
    waited = 0.0
    while True:
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            break
        except FileExistsError:
            try:
                age = time.time() - os.stat(lock).st_mtime
            except FileNotFoundError:
                continue
            if age > stale:
                os.remove(lock)  # a crashed holder
            elif waited > stale:
                raise GatehouseError('locked', f'{lock} is held by another process')
            time.sleep(0.05)
            waited += 0.05
    try:
        yield
    finally:
        try:
            os.remove(lock)
        except FileNotFoundError:
            pass


def _session_token(session: Mapping[str, Any]) -> Token:
    return Token(
        access_token=session['accessToken'],
        expires_at=session['expiresAt'] / 1000,
        issued_at=session.get('issuedAt', session['expiresAt']) / 1000,
        refresh_token=session.get('refreshToken'),
        scope=session.get('scope'),
    )


def _session(token: Token, **extra: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {'accessToken': token.access_token, 'tokenType': token.token_type, 'expiresAt': int(token.expires_at * 1000), 'issuedAt': int(token.issued_at * 1000)}
    if token.scope:
        out['scope'] = token.scope
    if token.refresh_token:
        out['refreshToken'] = token.refresh_token
    out.update(extra)
    return out


def _words(seconds: float) -> str:
    seconds = abs(seconds)
    for unit, size in (('year', 365 * 86400), ('day', 86400), ('hour', 3600), ('minute', 60), ('second', 1)):
        count = int(seconds // size)
        if count >= 1:
            return f'{count} {unit}{"" if count == 1 else "s"}'
    return 'less than a second'


def _expiry(expires_at: float, now: float) -> str:
    return f'expires in {_words(expires_at - now)}' if expires_at > now else f'expired {_words(expires_at - now)} ago'


class Io:
    """What the CLI touches, so tests can run it in-process."""

    def __init__(self, env: Optional[Mapping[str, str]] = None, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None,
                 read_secret: Optional[Callable[[str], str]] = None, session: Optional[requests.Session] = None, clock: Callable[[], float] = time.time) -> None:
        self.env = dict(os.environ if env is None else env)
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.read_secret = read_secret or (lambda prompt: getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline())
        self.session = session or requests.Session()
        self.clock = clock


def _secret(io: Io, given: Optional[str], env_name: str, what: str) -> str:
    value = given or io.env.get(env_name) or io.read_secret(f'{what}: ').rstrip('\r\n')
    if not value:
        raise UsageError(f'no {what.lower()}: pass it in {env_name} or on stdin')
    return value


def login(argv: List[str], io: Io) -> int:
    p = _Parser(prog='python -m gatehouse login', add_help=False)
    for name in ('issuer', 'username', 'password', 'client-id', 'client-secret', 'audience', 'scope'):
        p.add_argument(f'--{name}')
    args = p.parse_args(argv)
    issuer_flag = args.issuer or io.env.get('GATEHOUSE_ISSUER')
    if not issuer_flag:
        raise UsageError('--issuer is required (or set GATEHOUSE_ISSUER)')
    issuer = normalize_issuer(issuer_flag)
    if bool(args.username) == bool(args.client_id):
        raise UsageError('give either --username or --client-id')
    endpoint = str(discover(issuer, io.session)['token_endpoint'])
    data: Dict[str, str] = {}
    if args.audience:
        data['audience'] = args.audience
    if args.scope:
        data['scope'] = args.scope
    if args.username:
        password = _secret(io, args.password, 'GATEHOUSE_PASSWORD', 'Password')
        token = post_token(io.session, endpoint, data={'grant_type': 'password', 'username': args.username, 'password': password, **data}, now=io.clock(), what='password login')
        session = _session(token, issuer=issuer, grant='password', subject=args.username, **({'audience': args.audience} if args.audience else {}))
    else:
        if not args.audience:
            raise UsageError('--audience is required with --client-id')
        secret = _secret(io, args.client_secret, 'GATEHOUSE_CLIENT_SECRET', 'Client secret')
        token = post_token(io.session, endpoint, data={'grant_type': 'client_credentials', **data}, auth=basic_credentials(args.client_id, secret), now=io.clock(), what='client_credentials')
        session = _session(token, issuer=issuer, grant='client_credentials', subject=args.client_id, audience=args.audience)
    path = credentials_path(io.env)
    with credentials_lock(path):
        file = read_credentials(path)
        file['sessions'][issuer] = session
        file['current'] = issuer
        file['version'] = 1
        write_credentials(path, file)
    renewal = '`python -m gatehouse token` refreshes it as needed.' if token.refresh_token else 'client credentials are not saved, so run login again when it expires.'
    io.stderr.write(f'Logged in to {issuer} as {session["subject"]}; the token {_expiry(token.expires_at, io.clock())}; {renewal}\nSaved to {path}\n')
    return 0


def token(argv: List[str], io: Io) -> int:
    p = _Parser(prog='python -m gatehouse token', add_help=False)
    p.add_argument('--issuer')
    args = p.parse_args(argv)
    path = credentials_path(io.env)
    file = read_credentials(path)
    if os.path.exists(path) and os.stat(path).st_mode & 0o077:
        io.stderr.write(f'Warning: {path} is readable by other users; run: chmod 600 {path}\n')
    given = args.issuer or io.env.get('GATEHOUSE_ISSUER')
    issuer = normalize_issuer(given) if given else file.get('current')
    saved = file['sessions'].get(issuer) if issuer else None
    if not issuer or not saved:
        io.stderr.write(f'Not logged in{f" to {issuer}" if issuer else ""}. Run: python -m gatehouse login --issuer {issuer or "URL"} --username EMAIL\n')
        return 1
    now = io.clock()
    current = _session_token(saved)
    if now < POLICY.refresh_at(current):
        io.stdout.write(current.access_token + '\n')
        return 0
    if not current.refresh_token:
        if now < POLICY.usable_until(current):
            io.stdout.write(current.access_token + '\n')
            return 0
        io.stderr.write(f'The saved token for {issuer} has expired and cannot be refreshed (client credentials are not saved). Run login again.\n')
        return 1
    try:
        with credentials_lock(path):
            # Another process may have refreshed while we waited: use its result, never replay a spent token.
            latest = read_credentials(path)
            saved = latest['sessions'].get(issuer)
            if not saved or not saved.get('refreshToken'):
                raise GatehouseError('not_logged_in', f'Not logged in to {issuer}.')
            current = _session_token(saved)
            if io.clock() >= POLICY.refresh_at(current):
                endpoint = str(discover(issuer, io.session)['token_endpoint'])
                renewed = post_token(io.session, endpoint, data={'grant_type': 'refresh_token', 'refresh_token': current.refresh_token or ''}, now=io.clock(), what='refresh')
                keep = {k: v for k, v in saved.items() if k in ('issuer', 'grant', 'subject', 'audience')}
                if not renewed.refresh_token:
                    renewed = Token(**{**renewed.to_dict(), 'refresh_token': current.refresh_token})
                latest['sessions'][issuer] = _session(renewed, **keep)
                write_credentials(path, latest)
                current = renewed
    except GatehouseError as error:
        if error.code in ('invalid_grant', 'not_logged_in'):
            io.stderr.write(f'Your session with {issuer} has expired or was revoked. Run login again.\n')
            return 1
        raise
    io.stdout.write(current.access_token + '\n')
    return 0


def decode(argv: List[str], io: Io) -> int:
    if len(argv) != 1 or argv[0].startswith('--'):
        raise UsageError('give exactly one JWT')
    jwt = argv[0]
    if jwt == '-':
        jwt = io.read_secret('JWT: ')
    jwt = jwt.strip()
    if jwt.lower().startswith('bearer '):
        jwt = jwt[7:].strip()
    try:
        header, claims = decode_header(jwt), decode_jwt(jwt)
    except ValueError as error:
        io.stderr.write(f'Error: {error}\n')
        return 1
    now = io.clock()
    at = lambda t: datetime.fromtimestamp(t, timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')  # noqa: E731
    rel = lambda t: f'in {_words(t - now)}' if t > now else f'{_words(t - now)} ago'  # noqa: E731
    lines = ['Header', json.dumps(header, indent=2), 'Claims', json.dumps(claims, indent=2)]
    if isinstance(claims.get('iat'), (int, float)):
        lines.append(f'Issued   {at(claims["iat"])} ({rel(claims["iat"])})')
    if isinstance(claims.get('nbf'), (int, float)):
        lines.append(f'Valid    from {at(claims["nbf"])} ({rel(claims["nbf"])})')
    exp = claims.get('exp')
    lines.append(f'Expires  {at(exp)} ({_expiry(exp, now)})' if isinstance(exp, (int, float)) else 'Expires  never (no exp claim)')
    lines.append('Signature not verified.')
    io.stdout.write('\n'.join(lines) + '\n')
    return 0


COMMANDS = {'login': (login, LOGIN_USAGE), 'token': (token, TOKEN_USAGE), 'decode': (decode, DECODE_USAGE)}


def main(argv: Optional[List[str]] = None, io: Optional[Io] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    io = io or Io()
    name, rest = (argv[0], argv[1:]) if argv else (None, [])
    if name not in COMMANDS:
        io.stderr.write(('' if name is None else f'Unknown command {name}.\n') + '\n'.join(u for _, u in COMMANDS.values()))
        return 2
    run, usage = COMMANDS[name]
    if '--help' in rest or '-h' in rest:
        io.stdout.write(usage)
        return 0
    try:
        return run(rest, io)
    except UsageError as error:
        io.stderr.write(f'{error}\n\n{usage}')
        return 2
    except ValueError as error:  # a malformed issuer URL
        io.stderr.write(f'{error}\n')
        return 2
    except GatehouseError as error:
        if name == 'login' and error.code == 'invalid_grant':
            io.stderr.write('Login failed: wrong email or password.\n')
        elif name == 'login' and error.code == 'invalid_client':
            io.stderr.write('Login failed: wrong client id or secret.\n')
        else:
            io.stderr.write(f'Error ({error.code}): {error.description or error}\n')
        return 1
