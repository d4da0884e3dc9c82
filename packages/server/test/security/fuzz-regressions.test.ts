// Requests the fuzzer (npm run fuzz) once answered with a 5xx, kept as plain tests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { send } from './http.ts';

describe('fuzzer regressions', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.stop());

  test('a body that is not valid form encoding, on a management route: 400 in the one error shape, not 500', async () => {
    const admin = await gh.adminToken();
    const project = await gh.createProject('regressions');
    const routes: [string, string][] = [
      ['DELETE', `/api/v1/projects/${project.id}/bots/39eb9feb-9f22-0cc1-7750-bd0c90db47bc`],
      ['POST', '/api/v1/projects'],
      ['PATCH', `/api/v1/projects/${project.id}`],
      ['POST', '/api/v1/users'],
    ];
    for (const [method, path] of routes) {
      for (const body of ['a=%', '{"password":"x","acdtN":"%"}', 'x=%E0%A4%A']) {
        const r = await send(gh.url, { method, path, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-www-form-urlencoded' }, body });
        assert.equal(r.status, 400, `${method} ${path} ${body}: ${r.status} ${r.text}`);
        assert.equal(r.body.statusCode, 400);
        assert.equal(r.body.statusFamily, 'CLIENT_ERROR');
        assert.doesNotMatch(r.text, /FST_ERR|serialize/);
      }
    }
  });
});
