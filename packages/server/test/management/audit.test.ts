// The audit log over real HTTP: what is recorded (issuance, failed authentication, bot and membership changes)
// without secrets, filters, cursor paging, and who may read it (administrators all, owners their project).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, call, newUser, addMember } from './http.ts';

describe('audit events', () => {
  let gh: Gatehouse;
  let admin: string;
  let owner: Awaited<ReturnType<typeof newUser>>;
  let dev: Awaited<ReturnType<typeof newUser>>;
  let projectId: string;
  let otherProjectId: string;
  let bot: any;

  before(async () => {
    gh = await startGatehouse();
    admin = await gh.adminToken();
    owner = await newUser(gh, 'owner');
    dev = await newUser(gh, 'dev');
    projectId = (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'audited' } })).body.id;
    otherProjectId = (await call(gh, 'POST', '/api/v1/projects', { token: dev.token, body: { name: 'elsewhere' } })).body.id;
    await addMember(gh, owner.token, projectId, dev, 'developer');
    bot = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'auditee' } })).body;
    await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'gatehouse' });
    await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: 'ghb_wrong', audience: 'gatehouse' });
    await call(gh, 'POST', `/api/v1/projects/${projectId}/bots/${bot.id}/rotate-secret`, { token: owner.token });
  });
  after(() => gh.stop());

  const page = (query: string, token = admin) => call(gh, 'GET', `/api/v1/audit-events${query}`, { token });

  test('issuance, failed authentication, bot and membership changes are recorded, newest first, with no secret', async () => {
    const r = await page(`?project=${projectId}`, owner.token);
    assert.equal(r.status, 200);
    const types = r.body.events.map((e: any) => e.type);
    for (const t of ['project.created', 'member.added', 'bot.created', 'token.issued', 'client.authentication', 'bot.secret_rotated']) {
      assert.ok(types.includes(t), `${t} is recorded (got ${types.join(', ')})`);
    }
    const ids = r.body.events.map((e: any) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    const issued = r.body.events.find((e: any) => e.type === 'token.issued');
    assert.deepEqual([issued.grant_type, issued.client_id, issued.subject, issued.audience, issued.outcome], ['client_credentials', bot.client_id, `bot|${bot.id}`, 'gatehouse', 'success']);
    const failed = r.body.events.find((e: any) => e.type === 'client.authentication');
    assert.equal(failed.outcome, 'failure');
    assert.ok(!r.text.includes(bot.client_secret) && !r.text.includes('ghb_wrong'), 'no secret in the audit log');
    assert.ok(!/"(password|client_secret|access_token|refresh_token)"/.test(r.text));
  });

  test('filters by project, subject and type combine', async () => {
    const byType = (await page('?type=bot.created')).body.events;
    assert.ok(byType.length >= 1 && byType.every((e: any) => e.type === 'bot.created'));
    const bySubject = (await page(`?subject=${encodeURIComponent(`bot|${bot.id}`)}`)).body.events;
    assert.ok(bySubject.length >= 1 && bySubject.every((e: any) => e.subject === `bot|${bot.id}`));
    const both = (await page(`?project=${projectId}&subject=${owner.id}&type=member.added`)).body.events;
    assert.equal(both.length, 1);
    assert.equal(both[0].detail.member, dev.id);
    assert.deepEqual((await page('?type=no.such.type')).body, { events: [], next_cursor: null });
  });

  test('paging: next_cursor walks every event exactly once, and is null on the last page', async () => {
    const all = (await page('?limit=200')).body.events.map((e: any) => e.id);
    assert.ok(all.length >= 8, `enough events to page (${all.length})`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = (await page(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).body;
      assert.ok(r.events.length <= 3);
      seen.push(...r.events.map((e: any) => e.id));
      cursor = r.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    assert.deepEqual(seen.slice(0, all.length), all);
    assert.equal(cursor, null);
  });

  test('bad paging parameters and unknown filters are 400s that say what is wrong', async () => {
    assertError(await page('?limit=0'), 400, /limit must be a whole number from 1 to 200/);
    assertError(await page('?limit=201'), 400, /limit must be a whole number from 1 to 200/);
    assertError(await page('?limit=ten'), 400, /limit must be a whole number/);
    assertError(await page('?cursor=abc'), 400, /cursor is not one this endpoint returned/);
    assertError(await page('?cursor=-5'), 400, /cursor/);
    assertError(await page('?actor=me'), 400, /unknown field "actor"/);
    assertError(await page('?type=a&type=b'), 400, /"type" must be a string/);
    assertError(await page('?project=../etc'), 400, /"project" is not a valid id/);
  });

  test('owners read their project\'s events; developers, outsiders and unnamed projects are refused', async () => {
    const own = (await page(`?project=${projectId}`, owner.token)).body.events;
    assert.ok(own.length > 0 && own.every((e: any) => e.project_id === projectId));
    assertError(await page('', owner.token), 403, /name a project you own/);
    assertError(await page(`?project=${projectId}`, dev.token), 403, /owner role/);
    const outsider = await newUser(gh, 'outsider');
    assertError(await page(`?project=${projectId}`, outsider.token), 404);
    // dev owns another project: its events only.
    const elsewhere = (await page(`?project=${otherProjectId}`, dev.token)).body.events;
    assert.ok(elsewhere.length > 0 && elsewhere.every((e: any) => e.project_id === otherProjectId));
    // Administrators see everything, including events without a project.
    assert.ok((await page('')).body.events.some((e: any) => e.project_id === null));
  });
});
