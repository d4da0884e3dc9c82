// Browser login in a real browser (issue 18 "done when"): headless Chromium signs in through the page, completes
// authorization code + PKCE for a spa and a web client, sees consent for a third-party client, connects a device,
// authorizes the Swagger UI from the existing session with one click, and signs out. One browser, one context (one
// cookie jar, like a person's browser). Screenshots of the sign-in, consent and device pages go to docs/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DOCS = fileURLToPath(new URL('../../../../docs/', import.meta.url));
const skip = fs.existsSync(CHROMIUM) ? false : `SKIPPED: no Chromium at ${CHROMIUM}; install it (apt-get install -y chromium) or set CHROMIUM_PATH`;
if (skip) process.stderr.write(`\n${'!'.repeat(100)}\n!! ${skip}\n!! The browser login test did NOT run.\n${'!'.repeat(100)}\n\n`);


describe('browser login in a real browser', { skip }, () => {
  let gh: Gatehouse;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const user = { email: 'browser@example.com', password: 'a browser password' };
  let spa: any;
  let web: any;
  let third: any;
  let native: any;

  // The applications' redirect URIs: a small local site that says "back at the app".
  let app: http.Server;
  let CALLBACK = '';

  before(async () => {
    app = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>callback</title><p>back at the app</p>'));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    CALLBACK = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    gh = await startGatehouse({ env: { GATEHOUSE_INSTALLATION_NAME: 'Acme Login' } });
    await gh.createUser({ ...user, name: 'Bea Browser' });
    const admin = await gh.adminToken();
    const project = await gh.api('POST', '/api/v1/projects', { name: 'browser' }, admin);
    const clients = `/api/v1/projects/${project.id}/clients`;
    spa = await gh.api('POST', clients, { name: 'Acme SPA', type: 'spa', redirect_uris: [`${CALLBACK}/spa`], first_party: true }, admin);
    web = await gh.api('POST', clients, { name: 'Acme Portal', type: 'web', redirect_uris: [`${CALLBACK}/web`], first_party: true }, admin);
    third = await gh.api('POST', clients, { name: 'Photo Printer', type: 'spa', redirect_uris: [`${CALLBACK}/third`] }, admin);
    native = await gh.api('POST', clients, { name: 'Notebook', type: 'native', redirect_uris: ['http://127.0.0.1/callback'], grant_types: ['urn:ietf:params:oauth:grant-type:device_code'] }, admin);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 720, height: 820 } });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
    app?.close();
  });

  function authorizeUrl(client: any, path: string) {
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: `${CALLBACK}/${path}`, scope: 'openid profile email', state: `state-${path}`, nonce: `nonce-${path}`, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    return { url: `${gh.url}/oauth/authorize?${q}`, verifier };
  }
  async function redeem(client: any, path: string, callback: string, verifier: string) {
    const cb = new URL(callback);
    assert.equal(cb.searchParams.get('state'), `state-${path}`);
    assert.equal(cb.searchParams.get('iss'), gh.issuer);
    const params = { grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: `${CALLBACK}/${path}`, code_verifier: verifier };
    const r = client.client_secret ? await gh.token(params, { basic: [client.client_id, client.client_secret] }) : await gh.token({ ...params, client_id: client.client_id });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  }

  test('sign in on the page (keyboard only), then code + PKCE for a spa client', async () => {
    const { url, verifier } = authorizeUrl(spa, 'spa');
    await page.goto(url);
    assert.equal(await page.title(), 'Sign in · Acme Login');
    // The email field has focus; its label names it; Tab reaches the password and Enter submits.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'email');
    assert.equal(await page.getByLabel('Email').count(), 1);
    await page.screenshot({ path: `${DOCS}login-page.png` });
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.password);
    await Promise.all([page.waitForURL(`${CALLBACK}/spa**`), page.keyboard.press('Enter')]);
    const tokens = await redeem(spa, 'spa', page.url(), verifier);
    assert.ok(tokens.id_token && tokens.refresh_token);
  });

  test('a web client in the same browser: no password asked, code + PKCE with its secret', async () => {
    const { url, verifier } = authorizeUrl(web, 'web');
    await page.goto(url);
    await page.waitForURL(`${CALLBACK}/web**`);
    const tokens = await redeem(web, 'web', page.url(), verifier);
    assert.ok(tokens.access_token);
  });

  test('a third-party client: the consent page lists the scopes; Allow sends the code', async () => {
    const { url, verifier } = authorizeUrl(third, 'third');
    await page.goto(url);
    await page.getByRole('heading', { name: 'Allow Photo Printer?' }).waitFor();
    assert.match(await page.locator('ul.scopes').innerText(), /See your email address/);
    await page.screenshot({ path: `${DOCS}consent-page.png` });
    await Promise.all([page.waitForURL(`${CALLBACK}/third**`), page.getByRole('button', { name: 'Allow' }).click()]);
    await redeem(third, 'third', page.url(), verifier);
  });

  test('the device page: the code from verification_uri_complete, confirmed and connected', async () => {
    const r = await fetch(`${gh.url}/oauth/device_authorization`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: native.client_id, scope: 'openid email' }) });
    const d = await r.json();
    await page.goto(d.verification_uri_complete);
    assert.equal(await page.getByLabel('Code').inputValue(), d.user_code);
    await page.screenshot({ path: `${DOCS}device-page.png` });
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Connect Notebook?' }).waitFor();
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    const t = await gh.token({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: d.device_code, client_id: native.client_id });
    assert.equal(t.status, 200, JSON.stringify(t.body));
  });

  test('Swagger UI: authorized from the existing session with one click, then GET /api/v1/users/me is 200', async () => {
    const docs = await context.newPage();
    docs.on('pageerror', (e) => problems.push(`docs page error: ${e.message}`));
    await docs.goto(`${gh.url}/api/v1/docs`);
    await docs.locator('.swagger-ui .info .title').waitFor();
    await docs.locator('button.authorize').first().click();
    const c = docs.locator('.auth-container').filter({ has: docs.locator('h4', { hasText: /^browser/ }) });
    await c.waitFor();
    assert.equal(await c.locator('#client_id_authorizationCode').inputValue(), 'gatehouse-docs');
    // One click: the popup finds the session, comes straight back with a code, and Swagger UI swaps it for a token.
    await c.locator('button.authorize').click();
    await c.locator('button', { hasText: 'Logout' }).waitFor({ timeout: 15_000 });
    assert.equal(await c.locator('.errors').count(), 0, await c.innerText());
    await docs.locator('.dialog-ux button.btn-done').first().click();
    const op = docs.locator('.opblock-get').filter({ has: docs.locator('.opblock-summary-path[data-path="/api/v1/users/me"]') });
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    assert.equal((await status.innerText()).trim(), '200');
    assert.match(await op.locator('.live-responses-table .response-col_description .microlight, .live-responses-table .response-col_description pre').first().innerText(), new RegExp(user.email.replace('.', '\\.')));
    await docs.close();
  });

  test('sign out: the confirmation page, then the next sign-in asks for the password again', async () => {
    await page.goto(`${gh.url}/oauth/logout`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await page.goto(authorizeUrl(spa, 'spa').url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(problems, []);
    for (const f of ['login-page.png', 'consent-page.png', 'device-page.png']) assert.ok(fs.statSync(`${DOCS}${f}`).size > 5_000, f);
  });
});
