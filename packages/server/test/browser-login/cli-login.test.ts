// `gatehouse login` for a person (issue 18 item 5): the TypeScript CLI opens the browser (authorization code + PKCE
// on a loopback redirect, the built-in native client gatehouse-cli) or, with --device, prints a code to enter
// elsewhere; then `gatehouse token` prints the saved token. The SDK's browserLogin() provider the same way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runClientCli } from '@gatehouse/client/cli';
import { browserLogin, deviceLogin, decodeJwt } from '@gatehouse/client';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { Agent } from './agent.ts';
import { eventually } from '../support/eventually.ts';

describe('gatehouse login for a person', () => {
  let gh: Gatehouse;
  const user = { email: 'cli-person@example.com', password: 'cli person password' };
  let home: string;

  before(async () => {
    gh = await startGatehouse();
    await gh.createUser(user);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-login-'));
  });
  after(async () => {
    await gh.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** The person in the browser: the sign-in page, then back to wherever the server sends them. */
  async function personSignsIn(url: string): Promise<void> {
    const agent = new Agent(gh.url);
    const page = await agent.get(url);
    const done = await agent.submit(page, '/login', { email: user.email, password: user.password });
    assert.equal(done.status, 303, done.text);
    const back = await fetch(done.location!);
    assert.match(await back.text(), /You are logged in/);
  }

  async function cli(argv: string[], extra: { openBrowser?: (url: string) => Promise<void>; onStderr?: (t: string) => void } = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runClientCli(argv, {
      env: { XDG_CONFIG_HOME: home },
      stdout: (t) => (stdout += t),
      stderr: (t) => {
        stderr += t;
        extra.onStderr?.(t);
      },
      readSecret: async () => '',
      ...(extra.openBrowser ? { openBrowser: extra.openBrowser } : {}),
    });
    return { code, stdout, stderr };
  }

  test('the browser: code + PKCE on a loopback redirect, saved, and gatehouse token prints it', async () => {
    let opened = '';
    const r = await cli(['login', '--issuer', gh.url], {
      openBrowser: async (url) => {
        opened = url;
        void personSignsIn(url);
      },
    });
    assert.equal(r.code, 0, r.stderr);
    const u = new URL(opened);
    assert.equal(u.searchParams.get('client_id'), 'gatehouse-cli');
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
    assert.match(u.searchParams.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.match(r.stderr, new RegExp(`Logged in to .* as ${user.email.replace('.', '\\.')}`));
    const saved = JSON.parse(fs.readFileSync(path.join(home, 'gatehouse', 'credentials.json'), 'utf8'));
    const session = saved.sessions[gh.url];
    assert.equal(session.grant, 'authorization_code');
    assert.equal(session.clientId, 'gatehouse-cli');
    assert.ok(session.refreshToken);
    const t = await cli(['token']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(decodeJwt(t.stdout.trim()).client_id, 'gatehouse-cli');
  });

  test('--device: a code to enter on another device; the CLI polls until the person connects it', async () => {
    let approval: Promise<void> | undefined;
    const r = await cli(['login', '--issuer', gh.url, '--device'], {
      onStderr: (t) => {
        const m = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(t);
        if (!m || approval) return;
        approval = (async () => {
          const agent = new Agent(gh.url);
          const signIn = await agent.get('/device');
          await agent.submit(signIn, '/login', { email: user.email, password: user.password });
          const confirm = await agent.submit(await agent.get('/device'), '/device', { user_code: m[1]! });
          const done = await agent.submit(confirm, '/device/confirm', { decision: 'allow' });
          assert.match(done.text, /Device connected/);
        })();
      },
    });
    await approval;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /open http:\/\/127\.0\.0\.1:\d+\/device and enter the code/);
    const saved = JSON.parse(fs.readFileSync(path.join(home, 'gatehouse', 'credentials.json'), 'utf8'));
    assert.equal(saved.sessions[gh.url].grant, 'device_code');
  });

  test('the SDK: browserLogin() and deviceLogin() providers', async () => {
    const provider = browserLogin({ issuer: gh.url, openBrowser: (url) => void personSignsIn(url) });
    const token = await provider.getToken();
    assert.equal(decodeJwt(token.accessToken).client_id, 'gatehouse-cli');
    assert.ok(token.refreshToken);

    let approved = false;
    const device = deviceLogin({
      issuer: gh.url,
      sleep: async () => {
        await eventually(() => approved, { message: 'approval' });
      },
      onCode: async (c) => {
        const agent = new Agent(gh.url);
        await agent.submit(await agent.get('/device'), '/login', { email: user.email, password: user.password });
        const confirm = await agent.submit(await agent.get(`/device?user_code=${c.userCode}`), '/device', { user_code: c.userCode });
        await agent.submit(confirm, '/device/confirm', { decision: 'allow' });
        approved = true;
      },
    });
    assert.equal(decodeJwt((await device.getToken()).accessToken).client_id, 'gatehouse-cli');
  });
});
