// The real Swagger UI at /api/v1/docs, driven in headless Chromium: Authorize with the OAuth 2.0 password flow,
// run GET /api/v1/projects/{id} and see 200; without authorization see the 401 body. Also the client-credentials
// flow and a pasted bearer token. Screenshots go to test-output/ (gitignored).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type Locator, type Page, chromium } from 'playwright-core';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = fileURLToPath(new URL('../../../../test-output/', import.meta.url));
const missing = !fs.existsSync(CHROMIUM);
const skip = missing ? `SKIPPED: no Chromium at ${CHROMIUM}; install it (apt-get install -y chromium) or set CHROMIUM_PATH` : false;
if (skip) {
  process.stderr.write(`\n${'!'.repeat(100)}\n!! ${skip}\n!! The Swagger UI browser test did NOT run.\n${'!'.repeat(100)}\n\n`);
}

describe('Swagger UI in a real browser', { skip }, () => {
  let gh: Gatehouse;
  let browser: Browser;
  let user: { email: string; password: string };
  let project: { id: string; name: string };
  let bot: { id: string; client_id: string; client_secret: string };

  before(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    gh = await startGatehouse();
    user = { email: 'swagger@example.com', password: 'swagger ui password' };
    await gh.createUser(user);
    const r = await gh.token({ grant_type: 'password', username: user.email, password: user.password });
    project = await gh.api('POST', '/api/v1/projects', { name: 'Browsed' }, r.body.access_token);
    bot = await gh.api('POST', `/api/v1/projects/${project.id}/bots`, { name: 'swagger-bot' }, r.body.access_token);
    // The bot reads its project on the management API with the scope granted to it there.
    await gh.api('PUT', `/api/v1/apis/management/grants/${bot.id}`, { scopes: ['projects:read'] }, r.body.access_token);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
  });

  /** Opens the docs and fails the test on any page error or CSP violation. */
  async function openDocs(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${gh.url}/api/v1/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    assert.match(await page.locator('.swagger-ui .info .title').innerText(), /Gatehouse management API/);
    return { page, problems };
  }

  async function authContainer(page: Page, heading: RegExp): Promise<Locator> {
    if (!(await page.locator('.dialog-ux .modal-ux').isVisible())) await page.locator('button.authorize').first().click();
    const c = page.locator('.auth-container').filter({ has: page.locator('h4', { hasText: heading }) });
    await c.waitFor();
    return c;
  }

  async function closeDialog(page: Page): Promise<void> {
    await page.locator('.dialog-ux button.btn-done').first().click();
    await page.locator('.dialog-ux .modal-ux').waitFor({ state: 'hidden' });
  }

  /** Expands an operation, enters try-it-out mode, fills path parameters, executes; returns status and body. */
  async function execute(page: Page, method: string, path: string, params: Record<string, string> = {}): Promise<{ status: string; body: string }> {
    const op = page.locator(`.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
    if (!(await op.locator('.opblock-body').isVisible())) await op.locator('.opblock-summary').click();
    const tryOut = op.locator('button.try-out__btn');
    if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click();
    for (const [name, value] of Object.entries(params)) await op.locator(`input[placeholder="${name}"]`).fill(value);
    const clear = op.locator('button.btn-clear');
    if (await clear.isVisible()) await clear.click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    const body = await op.locator('.live-responses-table .response-col_description .microlight, .live-responses-table .response-col_description pre').first().innerText();
    return { status: (await status.innerText()).trim(), body };
  }

  test('password flow: authorize, GET /api/v1/projects/{id} is 200; without authorization it is the 401 body', async () => {
    const { page, problems } = await openDocs();
    const tokenRequests: { headers: Record<string, string>; body: string }[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/oauth/token')) tokenRequests.push({ headers: r.headers(), body: r.postData() ?? '' });
    });

    const c = await authContainer(page, /^password/);
    await c.locator('#oauth_username').fill(user.email);
    await c.locator('#oauth_password').fill(user.password);
    await c.locator('button.authorize').click();
    await c.locator('button', { hasText: 'Logout' }).waitFor();
    assert.equal(await c.locator('.errors').count(), 0, await c.innerText());
    await page.screenshot({ path: `${OUT}swagger-ui-authorized.png` });
    await closeDialog(page);

    // The token request was a password grant without the empty Basic header Swagger UI would have sent.
    assert.equal(tokenRequests.length, 1);
    assert.match(tokenRequests[0]!.body, /grant_type=password/);
    assert.equal(tokenRequests[0]!.headers.authorization, undefined);

    const ok = await execute(page, 'get', '/api/v1/projects/{projectId}', { projectId: project.id });
    assert.equal(ok.status, '200', ok.body);
    assert.equal(JSON.parse(ok.body).name, 'Browsed');
    await page.screenshot({ path: `${OUT}swagger-ui-200.png`, fullPage: true });

    const again = await authContainer(page, /^password/);
    await again.locator('button', { hasText: 'Logout' }).click();
    await closeDialog(page);
    const denied = await execute(page, 'get', '/api/v1/projects/{projectId}', { projectId: project.id });
    assert.equal(denied.status, '401', denied.body);
    const body = JSON.parse(denied.body);
    assert.equal(body.statusCode, 401);
    assert.equal(body.statusFamily, 'CLIENT_ERROR');
    assert.match(body.message, /Authentication required/);
    await page.screenshot({ path: `${OUT}swagger-ui-401.png`, fullPage: true });
    assert.deepEqual(problems, []);
    assert.ok(fs.statSync(`${OUT}swagger-ui-401.png`).size > 10_000, 'a real screenshot was saved');
  });

  test('client-credentials flow with a bot\'s id and secret', async () => {
    const { page, problems } = await openDocs();
    const c = await authContainer(page, /^clientCredentials/);
    await c.locator('#client_id_clientCredentials').fill(bot.client_id);
    await c.locator('#client_secret_clientCredentials').fill(bot.client_secret);
    await c.locator('button.authorize').click();
    await c.locator('button', { hasText: 'Logout' }).waitFor();
    await closeDialog(page);
    const r = await execute(page, 'get', '/api/v1/projects/{projectId}', { projectId: project.id });
    assert.equal(r.status, '200', r.body);
    assert.equal(JSON.parse(r.body).role, 'developer');
    await page.screenshot({ path: `${OUT}swagger-ui-client-credentials.png`, fullPage: true });
    assert.deepEqual(problems, []);
  });

  test('a pasted bearer token', async () => {
    const { page, problems } = await openDocs();
    const token = (await gh.token({ grant_type: 'password', username: user.email, password: user.password })).body.access_token as string;
    const c = await authContainer(page, /^bearer/);
    await c.locator('#auth-bearer-value').fill(token);
    await c.locator('button.authorize').click();
    await c.locator('button', { hasText: 'Logout' }).waitFor();
    await closeDialog(page);
    const r = await execute(page, 'get', '/api/v1/users/me');
    assert.equal(r.status, '200', r.body);
    assert.equal(JSON.parse(r.body).email, user.email);
    assert.deepEqual(problems, []);
  });
});
