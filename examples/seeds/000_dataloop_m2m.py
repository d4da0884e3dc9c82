#!/usr/bin/env python3
"""Seed 000 (Dataloop, "Python SDK M2M Login"), the seed's Python against Gatehouse.

The seed's code uses the dtlpy SDK: `dl.login()` to create a bot, `project.bots.create(...)`, then
`dl.login_m2m(email=email, password=password)` for a long-running job whose JWT "automatically refreshes". Here
the bot is created with Gatehouse's management API (what `dl.login()` and `project.bots.create` do for you), and
`login_m2m` is Gatehouse's Python client (`gatehouse.compat.dataloop`), which renews on the wire exactly as dtlpy
does: `POST /token?default` with `{"type":"refresh_token","refresh_token":...}`, the id_token as the bearer.

    GATEHOUSE_ADMIN_EMAIL=... GATEHOUSE_ADMIN_PASSWORD=... python3 examples/seeds/000_dataloop_m2m.py http://127.0.0.1:8080
"""
import json
import os
import sys
import uuid

import requests

# The Python client (clients/python, package `gatehouse`), from this repository when it is not installed.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'clients', 'python'))
from gatehouse import GatehouseError, decode_jwt  # noqa: E402

SEED = '000py'
GATEHOUSE = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get('GATEHOUSE_URL', 'http://127.0.0.1:8080')).rstrip('/')
# dtlpy's gate URL (https://gate.dataloop.ai); Gatehouse's compat login_m2m reads DATALOOP_GATE_URL.
os.environ['DATALOOP_GATE_URL'] = GATEHOUSE
TRANSCRIPT = os.environ.get('SEEDS_TRANSCRIPT')

step_id = 'setup'


class Differs(Exception):
    pass


def step(sid, text):
    global step_id
    step_id = sid
    print(f'\n[{SEED} {sid}] {text}', flush=True)


def expect(condition, what, got=None):
    if not condition:
        raise Differs(what if got is None else f'{what}, got {got!r}')
    print(f'  ok    {what}', flush=True)


def record(response, *args, **kwargs):
    """Prints one exchange and appends it to the transcript the tests read (also a requests response hook)."""
    body = response.text
    print(f'  →     {response.request.method} {response.request.url}')
    print(f'  ←     HTTP {response.status_code} {" ".join(body.split())[:120]}', flush=True)
    if TRANSCRIPT:
        sent = response.request.body
        request_json = None
        if sent:
            try:
                request_json = json.loads(sent)
            except ValueError:
                request_json = None
        line = {'seed': SEED, 'step': step_id, 'kind': 'http', 'method': response.request.method, 'url': response.request.url,
                'status': response.status_code, 'headers': ''.join(f'{k}: {v}\r\n' for k, v in response.headers.items()), 'body': body,
                'request_type': request_json.get('type') if isinstance(request_json, dict) else None,
                'bearer_aud': bearer_aud(response.request.headers.get('Authorization', ''))}
        with open(TRANSCRIPT, 'a', encoding='utf-8') as f:
            f.write(json.dumps(line) + '\n')
    return response


def bearer_aud(authorization):
    try:
        return decode_jwt(authorization[len('Bearer '):])['aud'] if authorization.startswith('Bearer ') else None
    except ValueError:
        return None


def main():
    step('setup', 'the admin makes myProject and its bot (the seed: dl.login(), project.bots.create(name=..., return_credentials=True))')
    admin = requests.post(f'{GATEHOUSE}/oauth/token', data=dict(
        grant_type='password', username=os.environ['GATEHOUSE_ADMIN_EMAIL'], password=os.environ['GATEHOUSE_ADMIN_PASSWORD']))
    expect(admin.status_code == 200, 'the admin is logged in')
    headers = {'Authorization': f'Bearer {admin.json()["access_token"]}'}
    project = requests.post(f'{GATEHOUSE}/api/v1/projects', json={'name': f'myProject-{uuid.uuid4().hex[:8]}'}, headers=headers).json()
    myBot = requests.post(f'{GATEHOUSE}/api/v1/projects/{project["id"]}/bots', json={'name': 'my-unique-name'}, headers=headers).json()
    # Bots act on the management API only with the scopes granted to them there: this one may read its project.
    granted = requests.put(f'{GATEHOUSE}/api/v1/apis/management/grants/{myBot["id"]}', json={'scopes': ['projects:read']}, headers=headers)
    expect(granted.status_code == 200, 'the bot may read its project (management grant projects:read)')
    print("the bot email is " + myBot['email'])
    email, password = myBot['email'], myBot['password']

    step('login_m2m', 'dl.login_m2m(email=email, password=password)')
    import gatehouse.compat.dataloop as dl  # the seed: import dtlpy as dl

    session = dl.login_m2m(email=email, password=password)
    session.hooks['response'].append(record)
    session.auth.provider.session.hooks['response'].append(record)  # the renewals, on the wire

    step('project', 'the session calls the platform with its JWT: GET /api/v1/projects/{id}')
    response = session.get(f'{GATEHOUSE}/api/v1/projects/{project["id"]}')
    expect(response.status_code == 200 and response.json()['id'] == project['id'], 'HTTP 200, the project')
    expect(bearer_aud(response.request.headers['Authorization']) == 'gatehouse-dataloop', 'the bearer is the id_token, as in dtlpy')

    step('renew', 'the JWT "automatically refreshes": three renewals, as dtlpy sends them')
    provider = session.auth.provider
    original = provider.get_token().refresh_token
    for _ in range(3):
        renewed = provider.get_token(force=True)  # what happens 60 s before exp
        expect(renewed.refresh_token == original, 'the same refresh token comes back (dtlpy presents its original one every time)')
        response = session.get(f'{GATEHOUSE}/api/v1/projects/{project["id"]}')
        expect(response.status_code == 200, 'the renewed id_token works on GET /api/v1/projects/{id}')

    print(f'\nseed {SEED} (Dataloop M2M in Python): every step as the document shows')


if __name__ == '__main__':
    try:
        main()
    except Differs as error:
        print(f'\nSEED {SEED} DIFFERS at step {step_id}: {error}', file=sys.stderr)
        sys.exit(1)
    except (KeyError, ValueError, requests.RequestException, GatehouseError) as error:
        print(f'\nSEED {SEED} DIFFERS at step {step_id}: {type(error).__name__}: {error}', file=sys.stderr)
        sys.exit(1)
