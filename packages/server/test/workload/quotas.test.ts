// Issuance quotas per bot and per project: only newly signed tokens count, 429 with Retry-After and a clear
// description in enforce mode, counted but let through in monitor mode, and the figures in /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';

const FRESH = 'https://fresh.quota.example';
const REUSED = 'https://reused.quota.example';

describe('issuance quotas', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.stop());

  const setup = async (name: string) => {
    const project = await gh.createProject(`quota-${name}`);
    const bot = await gh.createBot({ name, projectId: project.id });
    const apis = await gh.api('GET', '/api/v1/apis');
    const fresh = apis.find((a: { identifier: string }) => a.identifier === FRESH) ?? (await gh.createApi({ identifier: FRESH, scopes: [] }));
    const reused = apis.find((a: { identifier: string }) => a.identifier === REUSED) ?? (await gh.createApi({ identifier: REUSED, scopes: [], reuse_tokens: true }));
    await gh.grant(fresh.id, bot.id, []);
    await gh.grant(reused.id, bot.id, []);
    const token = (audience: string) => gh.token({ grant_type: 'client_credentials', audience }, { basic: [bot.client_id, bot.client_secret] });
    return { project, bot, token };
  };

  test('a bot quota counts new tokens only and answers 429 with Retry-After past it', async () => {
    const { project, bot, token } = await setup('limited');
    await gh.api('PUT', `/api/v1/projects/${project.id}/bots/${bot.id}/quota`, { hourly: 2, daily: 100 });
    for (let i = 0; i < 5; i++) assert.equal((await token(REUSED)).status, 200, `reused ${i}`); // one new token, four reused
    assert.equal((await token(FRESH)).status, 200); // the second new token
    const refused = await token(FRESH);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error, 'slow_down');
    assert.match(refused.body.error_description, /at most 2 new tokens per hour/);
    const retry = Number(refused.headers.get('retry-after'));
    assert.ok(retry > 0 && retry <= 3600, `Retry-After ${retry}`);
    assert.equal((await token(REUSED)).status, 200, 'the reused token is still handed out');
    // Lifting the quota applies at once on this node.
    await gh.api('PUT', `/api/v1/projects/${project.id}/bots/${bot.id}/quota`, { hourly: null, daily: null });
    assert.equal((await token(FRESH)).status, 200);
    const metrics = await (await fetch(`${gh.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`gatehouse_bot_tokens_total\\{bot="${bot.id}",api="${REUSED.replace(/\./g, '\\.')}",outcome="reused"\\} 5`));
    assert.match(metrics, new RegExp(`gatehouse_bot_tokens_total\\{bot="${bot.id}",api="${FRESH.replace(/\./g, '\\.')}",outcome="issued"\\} 2`));
    assert.match(metrics, /gatehouse_issuance_quota_exceeded_total\{scope="bot",window="hour",mode="enforce"\} 1/);
  });

  test('a project quota in monitor mode counts and reports without refusing', async () => {
    const { project, token } = await setup('watched');
    await gh.api('PUT', `/api/v1/projects/${project.id}/quota`, { hourly: 1, daily: null, mode: 'monitor' });
    for (let i = 0; i < 3; i++) assert.equal((await token(FRESH)).status, 200);
    const metrics = await (await fetch(`${gh.url}/metrics`)).text();
    assert.match(metrics, /gatehouse_issuance_quota_exceeded_total\{scope="project",window="hour",mode="monitor"\} 2/);
    const audit = await gh.api('GET', `/api/v1/audit-events?project=${project.id}&type=quota.exceeded`);
    assert.equal(audit.events.length, 2);
    assert.equal(audit.events[0].outcome, 'monitor');
  });

  test('a project quota in enforce mode covers all its bots; bad limits are refused', async () => {
    const a = await setup('team-a');
    const b = await gh.createBot({ name: 'team-b', projectId: a.project.id });
    const apis = await gh.api('GET', '/api/v1/apis');
    await gh.grant(apis.find((x: { identifier: string }) => x.identifier === FRESH).id, b.id, []);
    await gh.api('PUT', `/api/v1/projects/${a.project.id}/quota`, { hourly: null, daily: 2 });
    assert.equal((await a.token(FRESH)).status, 200);
    assert.equal((await gh.token({ grant_type: 'client_credentials', audience: FRESH }, { basic: [b.client_id, b.client_secret] })).status, 200);
    const refused = await a.token(FRESH);
    assert.equal(refused.status, 429);
    assert.match(refused.body.error_description, /this bot's project may get at most 2 new tokens per day/);
    await assert.rejects(gh.api('PUT', `/api/v1/projects/${a.project.id}/quota`, { hourly: 0, daily: null }), /400/);
    await assert.rejects(gh.api('PUT', `/api/v1/projects/${a.project.id}/quota`, { hourly: 1, daily: null, mode: 'sometimes' }), /400/);
  });
});
