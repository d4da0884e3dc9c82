// The refresh grant in fosite's order (handler/oauth2/flow_refresh.go): look up, detect reuse at once, run the
// checks, mint every token, and only then commit the rotation. Run on the grant itself over a real SQLite store,
// with a token minter that can be made to fail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { openServices } from '../src/services.ts';
import { hashPassword } from '../src/crypto/passwords.ts';
import { handleTokenRequest } from '../src/oauth/token-endpoint.ts';
import { OAuthError } from '../src/oauth/errors.ts';
import type { OAuthServices } from '../src/oauth/context.ts';
import type { TokenMinter } from '../src/domain/tokens.ts';
import type { TokenResponse } from '../src/oauth/grants/types.ts';

describe('refresh grant: mint first, commit last; reuse detected before the checks', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-refresh-order-'));
  const user = { email: 'zaphod@example.com', password: 'two heads two heads' };
  let real: OAuthServices;
  let svc: OAuthServices;
  let close: () => Promise<void>;
  let failSigning: 'none' | 'access' | 'id' = 'none';

  before(async () => {
    const config = loadConfig(['--data-dir', dir], { GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 3).toString('hex'), GATEHOUSE_LOG_LEVEL: 'silent' });
    const opened = await openServices(config);
    real = opened.services;
    close = () => opened.store.close();
    await opened.store.users.create({ email: user.email, passwordHash: await hashPassword(user.password) });
    const minter = real.minter;
    const failing = {
      clock: minter.clock,
      accessToken: (spec: Parameters<TokenMinter['accessToken']>[0]) => {
        if (failSigning === 'access') return Promise.reject(new Error('simulated signing failure (access token)'));
        return minter.accessToken(spec);
      },
      idToken: (...args: Parameters<TokenMinter['idToken']>) => {
        if (failSigning === 'id') return Promise.reject(new Error('simulated signing failure (ID token)'));
        return minter.idToken(...args);
      },
    } as unknown as TokenMinter;
    svc = { ...real, minter: failing };
  });
  after(async () => {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const token = (body: Record<string, string>): Promise<TokenResponse> => handleTokenRequest(svc, { body, authorization: undefined, ip: '127.0.0.1' });
  const refresh = (refresh_token: string, extra: Record<string, string> = {}) => token({ grant_type: 'refresh_token', refresh_token, ...extra });
  const oauthError = (code: string) => (err: unknown) => err instanceof OAuthError && err.error === code;
  const login = async () => (await token({ grant_type: 'password', username: user.email, password: user.password })).refresh_token!;

  for (const which of ['access', 'id'] as const) {
    test(`a failure signing the ${which === 'id' ? 'ID' : 'access'} token leaves the presented token usable and the family alive`, async () => {
      const rt = await login();
      failSigning = which;
      await assert.rejects(refresh(rt), /simulated signing failure/);
      failSigning = 'none';
      // The client's retry with the same token is not reuse: nothing was committed, nothing was delivered.
      const retried = await refresh(rt);
      assert.ok(retried.access_token && retried.id_token && retried.refresh_token);
      const next = await refresh(retried.refresh_token!);
      assert.ok(next.access_token, 'the family lives on');
      const row = await real.store.refreshTokens.findByHash(real.hasher.hash(rt));
      assert.equal(row?.status, 'used');
    });
  }

  test('a spent token sent with a scope it may not have still ends the family (reuse before invalid_scope)', async () => {
    const first = await login();
    const second = (await refresh(first)).refresh_token!;
    await assert.rejects(refresh(first, { scope: 'openid admin' }), oauthError('invalid_grant'));
    await assert.rejects(refresh(second), oauthError('invalid_grant'), 'the live token of the family is revoked');
  });

  test('a spent token sent for another audience still ends the family', async () => {
    const first = await login();
    const second = (await refresh(first)).refresh_token!;
    await assert.rejects(refresh(first, { audience: 'https://elsewhere' }), oauthError('invalid_grant'));
    await assert.rejects(refresh(second), oauthError('invalid_grant'));
  });

  test('a live token sent with a scope it may not have is invalid_scope and stays usable', async () => {
    const rt = await login();
    await assert.rejects(refresh(rt, { scope: 'openid admin' }), oauthError('invalid_scope'));
    assert.ok((await refresh(rt)).access_token);
  });

  test("the Dataloop route's client carries its own policy: rotation off, its idle and absolute lifetimes", async () => {
    const login = await handleTokenRequest(svc, { body: { grant_type: 'password', username: user.email, password: user.password }, authorization: undefined, ip: '127.0.0.1', publicClient: 'gatehouse-dataloop' });
    const row = (await real.store.refreshTokens.findByHash(real.hasher.hash(login.refresh_token!)))!;
    assert.equal(row.clientId, 'gatehouse-dataloop');
    assert.equal(row.familyExpiresAt - row.createdAt, real.config.dataloopRefreshAbsoluteSeconds * 1000);
    assert.ok(row.expiresAt - row.createdAt <= real.config.dataloopRefreshIdleSeconds * 1000);
    const renewed = await handleTokenRequest(svc, { body: { grant_type: 'refresh_token', refresh_token: login.refresh_token! }, authorization: undefined, ip: '127.0.0.1', publicClient: 'gatehouse-dataloop' });
    assert.equal(renewed.refresh_token, login.refresh_token, 'not rotated');
    const after = (await real.store.refreshTokens.findByHash(real.hasher.hash(login.refresh_token!)))!;
    assert.equal(after.status, 'active');
    assert.ok(after.expiresAt >= row.expiresAt, 'the idle lifetime starts again');
    await assert.rejects(refresh(login.refresh_token!), oauthError('invalid_grant'), "bound to the Dataloop client: not /oauth/token's");
  });
});
