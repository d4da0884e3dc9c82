/** The example API against the test issuer: auth on every route, scopes on writes, NOMAD uploads. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { createStore, type Store } from '../src/store.ts';
import { AUDIENCE, startIssuer, type TestIssuer } from '../../../packages/verify/test/support/issuer.ts';

const NOMAD_FIELDS = [
  'process_running', 'current_process', 'process_status', 'last_status_message', 'errors', 'warnings', 'complete_time',
  'upload_id', 'upload_name', 'upload_create_time', 'main_author', 'coauthors', 'coauthor_groups', 'reviewers',
  'reviewer_groups', 'writers', 'writer_groups', 'viewers', 'viewer_groups', 'published', 'published_to',
  'with_embargo', 'embargo_length', 'license', 'entries', 'upload_files_server_path',
];

let issuer: TestIssuer;
let app: FastifyInstance;
let store: Store;
before(async () => {
  issuer = await startIssuer();
  await issuer.addKey();
  store = createStore();
  app = buildApp({ issuer: issuer.url, audience: AUDIENCE, revocationPollMs: 0, store });
  await app.ready();
});
after(async () => {
  await app.close();
  await issuer.close();
});

const as = async (sub: string, scope = 'datasets:read', more: Record<string, unknown> = {}) => ({
  authorization: `Bearer ${await issuer.sign({ sub, scope, ...more })}`,
});

describe('authentication', () => {
  test('protected routes answer 401 in the shared shape without a token', async () => {
    for (const url of ['/api/v1/projects/proj-1', '/api/v1/datasets']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 401);
      assert.deepEqual(Object.keys(res.json()), ['statusCode', 'statusText', 'message', 'date', 'statusFamily', 'method', 'uri']);
    }
  });

  test('an expired token: 401 "Token expired." with token_expired', async () => {
    const res = await app.inject({ url: '/api/v1/projects/proj-1', headers: await as('alice', 'x', { exp: Math.floor(Date.now() / 1000) - 60 }) });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().message, 'Token expired.');
    assert.equal(res.headers['x-auth-reason'], 'token_expired');
  });

  test('a token for another API is refused', async () => {
    const res = await app.inject({ url: '/api/v1/datasets', headers: await as('alice', 'x', { aud: 'https://dataloy' }) });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['x-auth-reason'], 'token_invalid');
  });

  test('/healthz is public; unknown routes are 404 in the shared shape', async () => {
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    const missing = await app.inject({ url: '/api/v1/nothing', headers: await as('alice') });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().statusFamily, 'CLIENT_ERROR');
  });
});

describe('projects and datasets', () => {
  test('GET /api/v1/projects/{id}', async () => {
    const res = await app.inject({ url: '/api/v1/projects/proj-1', headers: await as('alice') });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().name, 'myProject');
    assert.equal((await app.inject({ url: '/api/v1/projects/nope', headers: await as('alice') })).statusCode, 404);
  });

  test('creating a dataset needs datasets:write (403 otherwise), listing does not', async () => {
    const denied = await app.inject({ method: 'POST', url: '/api/v1/datasets', headers: await as('alice'), payload: { name: 'd1' } });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.headers['x-auth-reason'], 'insufficient_scope');
    const created = await app.inject({ method: 'POST', url: '/api/v1/datasets', headers: await as('alice', 'datasets:write'), payload: { name: 'd1' } });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().creator, 'alice');
    const list = await app.inject({ url: '/api/v1/datasets', headers: await as('bob', '') });
    assert.ok(list.json().data.some((d: { name: string }) => d.name === 'd1'));
  });

  test('bad input is a 400 in the shared shape, never a 500', async () => {
    const headers = { ...(await as('alice', 'datasets:write')), 'content-type': 'application/json' };
    for (const payload of ['{"name":', '{"name":""}', '{"name":"x","extra":1}', '[]']) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/datasets', headers, payload });
      assert.equal(res.statusCode, 400, payload);
      assert.equal(res.json().statusCode, 400);
    }
  });
});

describe('NOMAD uploads', () => {
  test('POST creates an upload with the caller as main author, writer and viewer, with exactly the seed fields', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: await as('alice-uuid'), payload: { upload_name: 'FAIRmat_logo.png' } });
    assert.equal(res.statusCode, 200);
    const { upload_id: id, data } = res.json();
    assert.deepEqual(Object.keys(data), NOMAD_FIELDS);
    assert.equal(data.upload_id, id);
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual([data.main_author, data.writers, data.viewers, data.published], ['alice-uuid', ['alice-uuid'], ['alice-uuid'], false]);
    assert.match(data.upload_create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  test('GET /api/v1/uploads returns {"data": [...]} with only the caller\'s uploads', async () => {
    await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: await as('carol'), payload: { upload_name: 'carol.zip' } });
    const carol = (await app.inject({ url: '/api/v1/uploads', headers: await as('carol') })).json();
    assert.deepEqual(Object.keys(carol), ['data']);
    assert.deepEqual(carol.data.map((u: { upload_name: string }) => u.upload_name), ['carol.zip']);
    for (const upload of carol.data) assert.deepEqual(Object.keys(upload), NOMAD_FIELDS);
    const dave = (await app.inject({ url: '/api/v1/uploads', headers: await as('dave') })).json();
    assert.ok(!dave.data.some((u: { upload_name: string }) => u.upload_name === 'carol.zip'));
  });

  test('anonymous callers see published uploads only; private ones are 404 to strangers', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: await as('erin'), payload: { upload_name: 'secret.zip' } });
    const id = created.json().upload_id;
    const anonymous = (await app.inject({ url: '/api/v1/uploads' })).json();
    assert.ok(anonymous.data.length > 0 && anonymous.data.every((u: { published: boolean }) => u.published));
    assert.equal((await app.inject({ url: `/api/v1/uploads/${id}` })).statusCode, 404);
    assert.equal((await app.inject({ url: `/api/v1/uploads/${id}`, headers: await as('frank') })).statusCode, 404);
    assert.equal((await app.inject({ url: `/api/v1/uploads/${id}`, headers: await as('erin') })).statusCode, 200);
    const published = anonymous.data[0].upload_id;
    assert.equal((await app.inject({ url: `/api/v1/uploads/${published}` })).statusCode, 200);
  });

  test('group members listed on an upload can see it', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: await as('gina'), payload: { upload_name: 'team.zip' } });
    const id = created.json().upload_id;
    const hank = async () => as('hank', '', { groups: ['lab'] });
    assert.equal((await app.inject({ url: `/api/v1/uploads/${id}`, headers: await hank() })).statusCode, 404);
    // Share with the group in the store directly: the example API has no sharing endpoint.
    store.uploads.get(id)?.viewer_groups.push('lab');
    assert.equal((await app.inject({ url: `/api/v1/uploads/${id}`, headers: await hank() })).statusCode, 200);
    const listed = (await app.inject({ url: '/api/v1/uploads', headers: await hank() })).json().data;
    assert.deepEqual(listed.map((u: { upload_id: string }) => u.upload_id), [id]);
  });

  test('creating needs a token and an upload_name; a bad token on a public read is still refused', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/uploads', payload: { upload_name: 'x' } })).statusCode, 401);
    for (const payload of [{}, { upload_name: '' }, { upload_name: 7 }, { upload_name: 'x', extra: 1 }, [1]]) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: await as('alice'), payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().statusCode, 400);
    }
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/uploads?upload_name=q.zip', headers: await as('alice') })).statusCode, 200);
    assert.equal((await app.inject({ url: '/api/v1/uploads', headers: { authorization: 'Bearer nope' } })).statusCode, 401);
  });
});
