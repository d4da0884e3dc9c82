// The OpenAPI 3.1 document: every management route from the issue, each with its schemas, its errors and its
// security requirements; the three ways to authorize; and the Swagger UI page that serves it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';

// The routes table of the issue: docs, the SDK and scripts depend on these names.
const ROUTES = [
  'POST /api/v1/projects',
  'GET /api/v1/projects',
  'GET /api/v1/projects/{projectId}',
  'PATCH /api/v1/projects/{projectId}',
  'DELETE /api/v1/projects/{projectId}',
  'GET /api/v1/projects/{projectId}/members',
  'POST /api/v1/projects/{projectId}/members',
  'PATCH /api/v1/projects/{projectId}/members/{memberId}',
  'DELETE /api/v1/projects/{projectId}/members/{memberId}',
  'GET /api/v1/projects/{projectId}/invitations',
  'DELETE /api/v1/projects/{projectId}/invitations/{invitationId}',
  'GET /api/v1/projects/{projectId}/bots',
  'POST /api/v1/projects/{projectId}/bots',
  'GET /api/v1/projects/{projectId}/bots/{botId}',
  'DELETE /api/v1/projects/{projectId}/bots/{botId}',
  'POST /api/v1/projects/{projectId}/bots/{botId}/rotate-secret',
  'PUT /api/v1/projects/{projectId}/bots/{botId}/password-grant',
  'GET /api/v1/users/me/sessions',
  'DELETE /api/v1/users/me/sessions/{sessionId}',
  'DELETE /api/v1/users/{userId}',
  'GET /api/v1/projects/{projectId}/bots/{botId}/keys',
  'POST /api/v1/projects/{projectId}/bots/{botId}/keys',
  'DELETE /api/v1/projects/{projectId}/bots/{botId}/keys/{kid}',
  'PUT /api/v1/projects/{projectId}/bots/{botId}/jwks-uri',
  'DELETE /api/v1/projects/{projectId}/bots/{botId}/secret',
  'PUT /api/v1/projects/{projectId}/quota',
  'GET /api/v1/projects/{projectId}/clients/{clientId}/keys',
  'POST /api/v1/projects/{projectId}/clients/{clientId}/keys',
  'DELETE /api/v1/projects/{projectId}/clients/{clientId}/keys/{kid}',
  'PUT /api/v1/projects/{projectId}/bots/{botId}/quota',
  'GET /api/v1/projects/{projectId}/federation/issuers',
  'POST /api/v1/projects/{projectId}/federation/issuers',
  'DELETE /api/v1/projects/{projectId}/federation/issuers/{issuerId}',
  'GET /api/v1/projects/{projectId}/federation/rules',
  'POST /api/v1/projects/{projectId}/federation/rules',
  'DELETE /api/v1/projects/{projectId}/federation/rules/{ruleId}',
  'GET /api/v1/projects/{projectId}/clients',
  'POST /api/v1/projects/{projectId}/clients',
  'GET /api/v1/projects/{projectId}/clients/{clientId}',
  'PATCH /api/v1/projects/{projectId}/clients/{clientId}',
  'DELETE /api/v1/projects/{projectId}/clients/{clientId}',
  'POST /api/v1/projects/{projectId}/clients/{clientId}/rotate-secret',
  'GET /api/v1/apis',
  'POST /api/v1/apis',
  'GET /api/v1/apis/{apiId}',
  'PATCH /api/v1/apis/{apiId}',
  'DELETE /api/v1/apis/{apiId}',
  'GET /api/v1/apis/{apiId}/access',
  'PUT /api/v1/apis/{apiId}/access/{projectId}',
  'DELETE /api/v1/apis/{apiId}/access/{projectId}',
  'PUT /api/v1/apis/{apiId}/grants/{botId}',
  'DELETE /api/v1/apis/{apiId}/grants/{botId}',
  'GET /api/v1/app-tokens',
  'POST /api/v1/app-tokens',
  'DELETE /api/v1/app-tokens/{tokenId}',
  'GET /api/v1/keys',
  'POST /api/v1/keys/rotate',
  'GET /api/v1/audit-events',
  'POST /api/v1/users',
  'GET /api/v1/users/me',
  'POST /api/v1/users/me/password',
  'POST /api/v1/users/{userId}/disable',
  'POST /api/v1/users/{userId}/enable',
  'POST /api/v1/users/{userId}/sessions/end',
  'PUT /api/v1/users/{userId}/password-grant',
];

describe('OpenAPI document and Swagger UI', () => {
  let gh: Gatehouse;
  let doc: any;
  let ops: [string, any][];

  before(async () => {
    gh = await startGatehouse();
    const res = await fetch(`${gh.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    doc = await res.json();
    ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, m]) => Object.entries(m).map(([method, op]) => [`${method.toUpperCase()} ${p}`, op] as [string, any]));
  });
  after(() => gh.stop());

  test('is OpenAPI 3.1 with the issuer as server, and lists exactly the management routes', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: gh.url }]);
    assert.deepEqual(ops.map(([k]) => k).sort(), [...ROUTES].sort());
    assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/oauth') || p.includes('docs') || p.includes('openapi')));
  });

  test('every route has a tag, a summary, its parameters, its success and error responses, and security', () => {
    for (const [key, op] of ops) {
      assert.ok(op.tags?.length === 1, `${key} has a tag`);
      assert.ok(op.summary, `${key} has a summary`);
      const params = [...key.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const name of params) {
        const p = op.parameters?.find((x: any) => x.in === 'path' && x.name === name);
        assert.ok(p?.required && p.schema?.pattern, `${key} documents path parameter ${name}`);
      }
      const codes = Object.keys(op.responses);
      const success = codes.filter((c) => c.startsWith('2'));
      assert.equal(success.length, 1, `${key} has one success response`);
      assert.notEqual(op.responses[success[0]!].description, 'Default Response', `${key} describes its success`);
      for (const c of ['400', '401', '403', '404']) {
        assert.equal(op.responses[c]?.content?.['application/json']?.schema?.$ref, '#/components/schemas/Error', `${key} documents ${c}`);
        assert.notEqual(op.responses[c].description, 'Default Response', `${key} describes ${c}`);
      }
      if (op.requestBody) {
        const schema = op.requestBody.content['application/json'].schema;
        assert.ok(schema, `${key} has a JSON body schema`);
        assert.ok(op.responses['413'] && op.responses['415'], `${key} documents 413 and 415`);
      }
      const schemes = op.security.map((s: any) => Object.keys(s)[0]);
      assert.ok(['bearer', 'password', 'clientCredentials'].every((s) => schemes.includes(s)), `${key} accepts all three ways to authorize`);
    }
  });

  test('request bodies refuse unknown fields, as the server does', () => {
    for (const [key, op] of ops) {
      if (!op.requestBody) continue;
      const schema = op.requestBody.content['application/json'].schema;
      const objects = schema.anyOf ? schema.anyOf.filter((s: any) => s.type === 'object') : [schema];
      for (const o of objects) assert.equal(o.additionalProperties, false, `${key} body`);
    }
  });

  test('a body the server lets you leave out is documented as optional (rotate-secret)', () => {
    const body = doc.paths['/api/v1/projects/{projectId}/bots/{botId}/rotate-secret'].post.requestBody;
    assert.equal(body.required, false);
    assert.equal(body.content['application/json'].schema.type, 'object');
    assert.equal(doc.paths['/api/v1/projects'].post.requestBody.required, true);
  });

  test('the one error shape is a named component with its seven fields', () => {
    const e = doc.components.schemas.Error;
    assert.deepEqual([...e.required].sort(), ['date', 'message', 'method', 'statusCode', 'statusFamily', 'statusText', 'uri']);
  });

  test('three security schemes: bearer, OAuth2 password and OAuth2 client credentials against our token endpoint', () => {
    const s = doc.components.securitySchemes;
    assert.deepEqual(s.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: s.bearer.description });
    assert.equal(s.password.flows.password.tokenUrl, `${gh.url}/oauth/token`);
    assert.equal(s.clientCredentials.flows.clientCredentials.tokenUrl, `${gh.url}/oauth/token?audience=gatehouse`);
  });

  test('the document matches the routes: a bot created as documented has the documented fields', async () => {
    const schema = doc.paths['/api/v1/projects/{projectId}/bots'].post.responses['201'].content['application/json'].schema;
    const fields = new Set<string>((schema.allOf ?? [schema]).flatMap((s: any) => s.required ?? []));
    const bot = await gh.createBot({ name: 'documented' });
    for (const f of ['id', 'name', 'email', 'password', 'client_id', 'client_secret', 'role', 'created_at']) {
      assert.ok(fields.has(f), `documented: ${f}`);
      assert.ok(f in bot, `returned: ${f}`);
    }
  });

  test('Swagger UI is served at /api/v1/docs with a CSP that allows only its own assets', async () => {
    const res = await fetch(`${gh.url}/api/v1/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /object-src 'none'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/, 'would break the UI on plain-HTTP deployments and tests');
    const html = await res.text();
    assert.match(html, /\/api\/v1\/docs\/static\/swagger-ui-bundle\.js/);
    const bundle = await fetch(`${gh.url}/api/v1/docs/static/swagger-ui-bundle.js`);
    assert.equal(bundle.status, 200);
    const init = await (await fetch(`${gh.url}/api/v1/docs/static/swagger-initializer.js`)).text();
    assert.match(init, /requestInterceptor/);
    assert.doesNotMatch(init, /:\s*\{\s*\[prop: string\]/, 'the interceptor was serialized without TypeScript types');
  });
});
