#!/usr/bin/env python3
"""Seed 003 (NOMAD, "Authentication and Checking Uploads"), step by step against Gatehouse.

The seed's Python snippets run verbatim apart from the host (and the credentials they ask you to replace):
GET /auth/token with username and password, GET /auth/app_token?expires_in=86400 with the bearer token, NOMAD's
`Auth` for requests (from Gatehouse's Python client, `gatehouse.compat.nomad`, in place of `nomad.client`), and
GET /uploads listing the caller's uploads with their role lists.

NOMAD serves /auth/* and /uploads under one base URL (https://nomad-lab.eu/prod/v1/api/v1). Here Gatehouse serves
the auth endpoints and the example resource API the uploads; Gatehouse must give password logins the example API's
audience as well as its own:

    GATEHOUSE_DEFAULT_AUDIENCE=gatehouse,https://api.example npx gatehouse start
    GATEHOUSE_ISSUER=http://127.0.0.1:8080 npm start -w examples/resource-api     # AUDIENCE https://api.example
    GATEHOUSE_ADMIN_EMAIL=... GATEHOUSE_ADMIN_PASSWORD=... RESOURCE_API_URL=http://127.0.0.1:8081 \\
        python3 examples/seeds/003_nomad.py http://127.0.0.1:8080

NOMAD_USERNAME and NOMAD_PASSWORD name an existing user; without them the admin creates one.
"""
import base64
import json
import os
import re
import sys
import time
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

# The Python client (clients/python, package `gatehouse`), from this repository when it is not installed.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'clients', 'python'))

SEED = '003'
GATEHOUSE = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get('GATEHOUSE_URL', 'http://127.0.0.1:8080')).rstrip('/')
API = os.environ.get('RESOURCE_API_URL', 'http://127.0.0.1:8081').rstrip('/')
AUTH_BASE = f'{GATEHOUSE}/api/v1'  # NOMAD: https://nomad-lab.eu/prod/v1/api/v1 (/auth/token, /auth/app_token)
API_BASE = f'{API}/api/v1'  # NOMAD: https://nomad-lab.eu/prod/v1/api/v1 (/uploads)
# NOMAD's client reads its API URL from its config (client.url); Gatehouse's compat Auth reads NOMAD_CLIENT_URL.
os.environ.setdefault('NOMAD_CLIENT_URL', f'{GATEHOUSE}/api')
TRANSCRIPT = os.environ.get('SEEDS_TRANSCRIPT')
KNOWN = {k for k in os.environ.get('SEEDS_KNOWN_DIFFERENCES', '').split(',') if k}

# The upload of the seed's output, field by field: its keys, and an example value of each (for its JSON type).
SEED_UPLOAD = {
    'process_running': False,
    'current_process': 'process_upload',
    'process_status': 'SUCCESS',
    'last_status_message': 'Process process_upload completed successfully',
    'errors': [],
    'warnings': [],
    'complete_time': '2024-07-16T13:57:53.459000',
    'upload_id': 'VWGLXmy4S2-cdeteN2Xxaw',
    'upload_name': 'FAIRmat_logo.png',
    'upload_create_time': '2024-07-16T13:57:53.308000',
    'main_author': 'ebb26223-0cec-4d81-98f5-3b25db945b54',
    'coauthors': [],
    'coauthor_groups': [],
    'reviewers': [],
    'reviewer_groups': [],
    'writers': ['ebb26223-0cec-4d81-98f5-3b25db945b54'],
    'writer_groups': [],
    'viewers': ['ebb26223-0cec-4d81-98f5-3b25db945b54'],
    'viewer_groups': [],
    'published': False,
    'published_to': [],
    'with_embargo': False,
    'embargo_length': 0,
    'license': 'CC BY 4.0',
    'entries': 0,
    'upload_files_server_path': '/nomad/prod/fs/staging/V/VWGLXmy4S2-cdeteN2Xxaw',
}
NOMAD_TIME = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$')

step_id = 'setup'


class Differs(Exception):
    pass


def step(sid, text):
    global step_id
    step_id = sid
    print(f'\n[{SEED} {sid}] {text}', flush=True)


def ok(text):
    print(f'  ok    {text}', flush=True)


def expect(condition, what, got=None):
    if not condition:
        raise Differs(what if got is None else f'{what}, got {got!r}')
    ok(what)


def redact(url):
    """The URL with its password query parameter hidden, for this script's output and transcript."""
    parts = urlsplit(url)
    query = [(k, 'REDACTED' if k == 'password' else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def record(response):
    """Prints one exchange and appends it to the transcript the tests read."""
    body = response.text
    print(f'  →     {response.request.method} {redact(response.request.url)}')
    preview = ' '.join(body.split())
    print(f'  ←     HTTP {response.status_code} {preview[:160]}{" ..." if len(preview) > 160 else ""}', flush=True)
    if TRANSCRIPT:
        headers = ''.join(f'{k}: {v}\r\n' for k, v in response.headers.items())
        line = {'seed': SEED, 'step': step_id, 'kind': 'http', 'method': response.request.method,
                'url': redact(response.request.url), 'status': response.status_code, 'headers': headers, 'body': body}
        with open(TRANSCRIPT, 'a', encoding='utf-8') as f:
            f.write(json.dumps(line) + '\n')
    return response


def jwt_part(token, n):
    """A JWT's header (0) or claims (1), decoded, not verified."""
    part = token.split('.')[n]
    return json.loads(base64.urlsafe_b64decode(part + '=' * (-len(part) % 4)))


def check_error_shape(response, status, message_pattern):
    """The one error shape of Gatehouse's API (the Dataloy seed's): exactly seven fields."""
    expect(response.status_code == status, f'HTTP {status}', response.status_code)
    body = response.json()
    expect(sorted(body) == sorted(['statusCode', 'statusText', 'message', 'date', 'statusFamily', 'method', 'uri']),
           'exactly the fields statusCode statusText message date statusFamily method uri', list(body))
    expect(body['statusCode'] == status and body['statusFamily'] == 'CLIENT_ERROR' and body['method'] == 'GET',
           f'statusCode {status}, statusFamily CLIENT_ERROR, method GET')
    expect(re.search(message_pattern, body['message']) is not None, f'message {body["message"]!r} names {message_pattern!r}')
    return body


def check_upload(upload, sub, name):
    expect(list(upload) == list(SEED_UPLOAD), "the upload has exactly the seed's fields, in its order", list(upload))
    wrong = [k for k, v in SEED_UPLOAD.items() if type(upload[k]) is not type(v)]
    expect(not wrong, "every field has the seed's JSON type", wrong)
    expect(upload['upload_name'] == name and upload['main_author'] == sub, f'upload_name {name!r}, main_author is the caller ({sub})')
    expect(upload['writers'] == [sub] and upload['viewers'] == [sub], 'the caller is its writer and viewer, like the seed')
    for key in ('coauthors', 'coauthor_groups', 'reviewers', 'reviewer_groups', 'writer_groups', 'viewer_groups', 'published_to', 'errors', 'warnings'):
        expect(all(isinstance(x, str) for x in upload[key]), f'{key} is a list of strings')
    expect(NOMAD_TIME.match(upload['complete_time']) and NOMAD_TIME.match(upload['upload_create_time']),
           'times are like "2024-07-16T13:57:53.459000"')
    expect(upload['process_status'] == 'SUCCESS' and upload['process_running'] is False, 'processed: SUCCESS, not running')
    expect(upload['upload_files_server_path'].endswith('/' + upload['upload_id']), 'upload_files_server_path ends with the upload_id')


def main():
    step('setup', 'the example API gives every signed-in user uploads:write; a NOMAD user (the admin creates it unless NOMAD_USERNAME/NOMAD_PASSWORD name one)')
    username = os.environ.get('NOMAD_USERNAME')
    password = os.environ.get('NOMAD_PASSWORD')
    admin = requests.post(f'{GATEHOUSE}/oauth/token', data=dict(
        grant_type='password', username=os.environ['GATEHOUSE_ADMIN_EMAIL'], password=os.environ['GATEHOUSE_ADMIN_PASSWORD']))
    expect(admin.status_code == 200, 'the admin is logged in')
    admin_headers = {'Authorization': f'Bearer {admin.json()["access_token"]}'}
    # Users get no scope of an API by default: NOMAD lets every user upload, so its API says so explicitly
    # (a global API with an every-user scope; docs/authorization.md).
    api = dict(identifier='https://api.example', name='NOMAD uploads (the example API)', scopes=['uploads:write'], user_scopes=['uploads:write'])
    registered = requests.post(f'{GATEHOUSE}/api/v1/apis', json=api, headers=admin_headers)
    if registered.status_code == 409:
        listed = [a for a in requests.get(f'{GATEHOUSE}/api/v1/apis', headers=admin_headers).json() if a['identifier'] == api['identifier']]
        registered = requests.patch(f'{GATEHOUSE}/api/v1/apis/{listed[0]["id"]}', json=dict(scopes=api['scopes'], user_scopes=api['user_scopes']), headers=admin_headers)
    expect(registered.status_code in (200, 201), 'https://api.example gives every signed-in user uploads:write')
    if not username or not password:
        run = uuid.uuid4().hex[:12]
        username = f'myname.{run}@example.org'
        # A password with the characters a URL must encode, to show requests' params= carries it intact.
        password = f'my password & {run}?=#%+'
        created = record(requests.post(f'{GATEHOUSE}/api/v1/users', json=dict(email=username, password=password, name='My Name'),
                                       headers=admin_headers))
        expect(created.status_code == 201, f'user {username} created')
    print('  note  NOMAD takes "myname or email"; Gatehouse accounts are named by their email')

    step('token', "requests.get('.../auth/token', params=dict(username='myname', password='mypassword'))")
    response = requests.get(
        f'{AUTH_BASE}/auth/token',
        params=dict(username=username, password=password)
    )
    record(response)
    expect(response.status_code == 200, 'HTTP 200')
    token = response.json()['access_token']
    expect(set(response.json()) >= {'access_token'}, "the response has access_token (the seed reads response.json()['access_token'])")
    header, claims = jwt_part(token, 0), jwt_part(token, 1)
    expect(header['typ'] == 'at+jwt', 'the access token is a JWT access token (RFC 9068)')
    audiences = claims['aud'] if isinstance(claims['aud'], list) else [claims['aud']]
    if 'https://api.example' not in audiences:
        raise Differs(f'the token is for {audiences}, not the example API: start Gatehouse with '
                      'GATEHOUSE_DEFAULT_AUDIENCE=gatehouse,https://api.example (and register that API)')
    ok(f'the token is for {audiences}')
    sub = claims['sub']

    step('app_token', "requests.get('.../auth/app_token?expires_in=86400', headers={'Authorization': f'Bearer {token}'})")
    response = requests.get(
        f'{AUTH_BASE}/auth/app_token?expires_in=86400',
        headers={'Authorization': f'Bearer {token}'})
    record(response)
    app_token = response.json()['access_token']
    expect(response.status_code == 200, 'HTTP 200')
    expect(response.json().get('token_type') == 'Bearer' and response.json().get('expires_in') == 86400, 'token_type Bearer, expires_in 86400')
    app = jwt_part(app_token, 1)
    expect(jwt_part(app_token, 0)['typ'] == 'at+jwt' and app.get('gh_token_type') == 'app', 'a JWT app token (gh_token_type app)')
    expect(app['exp'] - app['iat'] == 86400 and app['sub'] == sub, 'it expires 86400 s after it was issued, for the same user')

    step('app_token.max', 'an expiry over the server maximum: a clear 400 that names the maximum')
    response = record(requests.get(f'{AUTH_BASE}/auth/app_token?expires_in=99999999999', headers={'Authorization': f'Bearer {token}'}))
    body = check_error_shape(response, 400, r'maximum')
    found = re.search(r'maximum of (\d+) seconds', body['message'])
    expect(found is not None, 'the message names the maximum in seconds')
    maximum = int(found.group(1))
    response = record(requests.get(f'{AUTH_BASE}/auth/app_token?expires_in={maximum}', headers={'Authorization': f'Bearer {token}'}))
    expect(response.status_code == 200 and response.json()['expires_in'] == maximum, f'expires_in={maximum} (the maximum itself) is granted')
    response = record(requests.get(f'{AUTH_BASE}/auth/app_token?expires_in={maximum + 1}', headers={'Authorization': f'Bearer {token}'}))
    check_error_shape(response, 400, str(maximum))

    step('upload', 'not in the seed: the user uploads FAIRmat_logo.png, so that the listing has an upload of theirs')
    response = record(requests.post(f'{API_BASE}/uploads', params=dict(upload_name='FAIRmat_logo.png'),
                                    headers={'Authorization': f'Bearer {token}'}))
    expect(response.status_code == 200, 'HTTP 200')
    upload_id = response.json()['upload_id']

    step('auth_helper', "requests.get('.../uploads', auth=Auth(user='myname or email', password='mypassword'))")
    # The seed: `from nomad.client import Auth`. Gatehouse's Python client has the same class, with NOMAD's signature:
    # it logs in with POST /auth/token (a form), renews 10 s before expiry, and logs in again if a renewal fails.
    from gatehouse.compat.nomad import Auth

    response = requests.get(
        f'{API_BASE}/uploads',
        auth=Auth(user=username, password=password)
    )
    record(response)
    uploads = response.json()['data']
    expect(response.status_code == 200, 'HTTP 200')
    expect([u['upload_id'] for u in uploads] == [upload_id], "the list holds the user's upload")
    headers = Auth(user=username, password=password).headers()
    expect(list(headers) == ['Authorization'] and headers['Authorization'].startswith('Bearer '),
           "Auth(...).headers() is {'Authorization': 'Bearer ...'}, as NOMAD's")

    step('post_token', "NOMAD's client today: POST /auth/token with a form body (the GET form is deprecated)")
    response = record(requests.post(f'{AUTH_BASE}/auth/token', data=dict(username=username, password=password)))
    expect(response.status_code == 200 and 'access_token' in response.json(), 'HTTP 200 with an access_token')
    response = record(requests.get(f'{AUTH_BASE}/auth/token', params=dict(username=username, password=password)))
    expect(response.headers.get('Deprecation', '').startswith('@') and 'successor-version' in response.headers.get('Link', ''),
           'the GET answers with Deprecation and Link rel="successor-version" headers')

    step('uploads', "Checking Uploads: GET /auth/token, then GET /uploads with headers={'Authorization': f'Bearer {token}'}")
    response = requests.get(
        f'{AUTH_BASE}/auth/token', params=dict(username=username, password=password))
    record(response)

    token = response.json()['access_token']

    response = requests.get(
        f'{API_BASE}/uploads',
        headers={'Authorization': f'Bearer {token}'}
    )
    record(response)
    uploads = response.json()['data']
    print(json.dumps(uploads, indent = 4))
    expect(response.status_code == 200, 'HTTP 200')
    expect(list(response.json()) == ['data'], 'the body is {"data": [...]}')
    expect(isinstance(uploads, list) and len(uploads) == 1, 'a python list with one element per upload of the user')
    check_upload(uploads[0], sub, 'FAIRmat_logo.png')

    step('uploads.app_token', 'the app token works as a bearer token too')
    response = record(requests.get(f'{API_BASE}/uploads', headers={'Authorization': f'Bearer {app_token}'}))
    expect(response.status_code == 200 and [u['upload_id'] for u in response.json()['data']] == [upload_id], 'the same uploads')
    response = record(requests.get(f'{AUTH_BASE}/users/me', headers={'Authorization': f'Bearer {app_token}'}))
    expect(response.status_code == 200 and response.json()['email'] == username, "and on Gatehouse's own API")

    step('anonymous', '"Most of the API operations ... can be freely used without a user or credentials"')
    response = record(requests.get(f'{API_BASE}/uploads'))
    expect(response.status_code == 200, 'GET /uploads without a token: HTTP 200')
    public = response.json()['data']
    expect(all(u['published'] for u in public) and upload_id not in [u['upload_id'] for u in public],
           'anonymous callers see published uploads only')
    if public:
        response = record(requests.get(f'{API_BASE}/uploads/{public[0]["upload_id"]}'))
        expect(response.status_code == 200, 'a published upload reads without a token')
    response = record(requests.get(f'{API_BASE}/uploads/{upload_id}'))
    expect(response.status_code == 404, "the user's unpublished upload does not (404)")

    step('wrong_password', 'a wrong password: the RFC 6749 error, nothing echoed')
    response = record(requests.get(f'{AUTH_BASE}/auth/token', params=dict(username=username, password=password + 'x')))
    expect(response.status_code == 400 and response.json().get('error') == 'invalid_grant', 'HTTP 400 invalid_grant')
    expect(password not in response.text, 'the password is not in the response')

    print(f'\nseed {SEED} (NOMAD): every step as the document shows')


if __name__ == '__main__':
    try:
        main()
    except Differs as error:
        print(f'\nSEED {SEED} DIFFERS at step {step_id}: {error}', file=sys.stderr)
        sys.exit(1)
    except (KeyError, ValueError, requests.RequestException) as error:
        print(f'\nSEED {SEED} DIFFERS at step {step_id}: {type(error).__name__}: {error}', file=sys.stderr)
        sys.exit(1)
