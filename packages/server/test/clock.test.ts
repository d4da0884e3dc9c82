// Expiry without waiting: a server started in-process with a clock the test steps (startServer's `clock` option,
// which no setting or variable can reach). The token minter issues and checks by it, the refresh grant and the
// password grant expire refresh tokens by it, app tokens are minted and refused by it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { type RunningServer, startServer } from '../src/server.ts';

class SteppedClock {
  #t = Date.now();
  now = () => this.#t;
  advance(seconds: number): void {
    this.#t += seconds * 1000;
  }
}

describe('token lifetimes on an injected clock', () => {
  const clock = new SteppedClock();
  const admin = { email: 'admin@clock.test', password: 'clock test admin password' };
  let dir: string;
  let server: RunningServer;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-clock-'));
    const config = loadConfig(['--port', '0', '--data-dir', dir], {
      GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 5).toString('hex'),
      GATEHOUSE_ADMIN_EMAIL: admin.email,
      GATEHOUSE_ADMIN_PASSWORD: admin.password,
      GATEHOUSE_LOG_LEVEL: 'silent',
      GATEHOUSE_ACCESS_TOKEN_LIFETIME: '60',
      GATEHOUSE_REFRESH_IDLE_SECONDS: '120',
    });
    server = await startServer(config, { print: () => undefined, clock });
  });
  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const token = async (params: Record<string, string>) => {
    const r = await fetch(`${server.url}/oauth/token`, { method: 'POST', body: new URLSearchParams(params) });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const login = () => token({ grant_type: 'password', username: admin.email, password: admin.password });
  const projects = async (bearer: string) => {
    const r = await fetch(`${server.url}/api/v1/projects`, { headers: { authorization: `Bearer ${bearer}` } });
    return { status: r.status, body: (await r.json()) as Record<string, any>, reason: r.headers.get('x-auth-reason') };
  };

  test('an access token works until its exp (within the 5 s tolerance) and is refused as expired after it', async () => {
    const t = await login();
    assert.equal(t.status, 200);
    assert.equal(t.body.expires_in, 60);
    const claims = JSON.parse(Buffer.from(t.body.access_token.split('.')[1], 'base64url').toString()) as { iat: number };
    assert.equal(claims.iat, Math.floor(clock.now() / 1000), 'issued at the injected time');
    clock.advance(64);
    assert.equal((await projects(t.body.access_token)).status, 200, 'inside the clock tolerance');
    clock.advance(2);
    const r = await projects(t.body.access_token);
    assert.equal(r.status, 401);
    assert.equal(r.body.message, 'Token expired.');
    assert.equal(r.reason, 'token_expired');
  });

  test('a refresh token rotates while used within its idle time and expires when left unused longer', async () => {
    const first = await login();
    clock.advance(100);
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    clock.advance(121);
    const third = await token({ grant_type: 'refresh_token', refresh_token: second.body.refresh_token });
    assert.equal(third.status, 400);
    assert.equal(third.body.error, 'invalid_grant');
  });

  test('an app token is refused once its chosen expiry has passed', async () => {
    const session = await login();
    const r = await fetch(`${server.url}/api/v1/app-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.body.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'short', expires_in: 600 }),
    });
    assert.equal(r.status, 201);
    const app = (await r.json()) as { token: string; expires_at: string; created_at: string };
    assert.equal(Date.parse(app.created_at), Math.floor(clock.now() / 1000) * 1000);
    clock.advance(300);
    assert.equal((await projects(app.token)).status, 200);
    clock.advance(306);
    const late = await projects(app.token);
    assert.equal(late.status, 401);
    assert.equal(late.reason, 'token_expired');
  });
});
