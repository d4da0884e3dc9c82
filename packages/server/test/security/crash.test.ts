// Crash and concurrency safety. Gatehouse is SIGKILLed 50 times at random moments while clients rotate refresh
// tokens and an admin rotates a bot secret; after each kill the store must hold exactly one usable refresh token
// per family (or none, in a family revoked because a spent token came back), and everything a client was told
// must still hold: the last refresh token it received works, the last bot secret it received works, unless its
// next request was in flight at the kill (then the server may have committed an answer the client never saw).
// Then concurrent refreshes of one token, on SQLite and on two PostgreSQL nodes: exactly one wins (strict
// rotation, no grace window; docs/security.md says why).
//
// Restarts are kept fast by starting the next Gatehouse on the same data dir while the current one is under load
// (two processes on one SQLite file is supported: WAL and a busy timeout). The families belong to a bot, whose
// password-grant login costs an HMAC rather than an argon2 hash. Start-up CPU dominates the run time. The kill
// moments are drawn from a seeded Rng (test/support/seed.ts): a failure names the seed that replays it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type BotCredentials, type Gatehouse, type StartOptions, startGatehouse } from '../support/harness.ts';
import { createTestDatabase, postgresSkipReason } from '../support/postgres.ts';
import { basic, postForm } from './http.ts';
import { withSeed } from '../support/seed.ts';

const KILLS = 50;
const FAMILIES = 4;
const AHEAD = 2;

interface Family {
  /** The last refresh token the client received in a 200. */
  token: string;
  /** A refresh with `token` was sent and its answer never arrived. */
  inFlight: boolean;
}

describe('SIGKILL during refresh and bot secret rotations', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-crash-'));
  const env = { GATEHOUSE_LOG_LEVEL: 'warn' };
  const booting: Promise<Gatehouse>[] = [];
  const boot = (options: StartOptions = {}) => {
    const p = startGatehouse({ dataDir, env, ...options });
    booting.push(p);
    return p;
  };
  after(async () => {
    const all = await Promise.allSettled(booting);
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.kill() : undefined)));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(`${KILLS} kills: one usable refresh token per live family, no acknowledged rotation lost`, () => withSeed(async (rng) => {
    const first = await boot();
    // Each server has its own port, so its own issuer: the admin logs in again on each one.
    const adminOn = async (gh: Gatehouse) => {
      const r = await postForm(gh.url, { grant_type: 'password', username: first.admin.email, password: first.admin.password });
      assert.equal(r.status, 200, r.text);
      return r.body.access_token as string;
    };
    let admin = await adminOn(first);
    const bot: BotCredentials = await first.createBot({ name: 'crash-bot' });
    const owner: BotCredentials = await first.createBot({ name: 'refreshing-bot', projectId: bot.project_id });
    const botState = { secret: bot.client_secret, inFlight: false };

    const login = async (gh: Gatehouse): Promise<Family> => {
      const r = await postForm(gh.url, { grant_type: 'password', username: owner.email, password: owner.password });
      assert.equal(r.status, 200, r.text);
      return { token: r.body.refresh_token, inFlight: false };
    };
    let families: Family[] = await Promise.all(Array.from({ length: FAMILIES }, () => login(first)));
    const stats = { rotations: 0, secretRotations: 0, lostInFlight: 0, survivedInFlight: 0, secretLostInFlight: 0 };

    // Servers start ahead while the current one works, so a kill is followed by a ready server.
    const queue = Array.from({ length: AHEAD }, () => boot());
    let booted = AHEAD;
    let current = first;
    let waitedForStart = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      let killed = false;
      // Kill after a random number of acknowledged rotations (so every kill lands mid-stream, however loaded the
      // machine is) plus a random delay of up to 15 ms (so it lands anywhere inside a request).
      let acked = 0;
      const target = 1 + rng.int(8);
      let reached: () => void = () => undefined;
      const enough = new Promise<void>((r) => (reached = r));
      const ack = () => {
        if (++acked >= target) reached();
      };
      const refresher = async (f: Family) => {
        while (!killed) {
          f.inFlight = true;
          let r;
          try {
            r = await postForm(current.url, { grant_type: 'refresh_token', refresh_token: f.token });
          } catch {
            return; // the kill cut it off: outcome unknown
          }
          assert.equal(r.status, 200, `a refresh of a live family failed while the server was up: ${r.text}`);
          f.token = r.body.refresh_token;
          f.inFlight = false;
          stats.rotations++;
          ack();
        }
      };
      const rotator = async () => {
        while (!killed) {
          botState.inFlight = true;
          let secret: string;
          try {
            secret = (await current.api('POST', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/rotate-secret`, {}, admin)).client_secret;
          } catch (err) {
            if (!killed) throw err;
            return;
          }
          botState.secret = secret;
          botState.inFlight = false;
          stats.secretRotations++;
          ack();
        }
      };
      const streams = [...families.map(refresher), rotator()];
      await enough;
      await new Promise((r) => setTimeout(r, rng.next() * 15));
      killed = true;
      await current.kill();
      await Promise.all(streams);

      // The store right after the kill, before anyone touches it.
      const db = new DatabaseSync(path.join(dataDir, 'gatehouse.db'), { timeout: 5000 });
      try {
        const now = Date.now();
        const rows = db.prepare(`SELECT family_id, SUM(CASE WHEN status = 'active' AND expires_at > ? THEN 1 ELSE 0 END) AS usable, SUM(CASE WHEN status = 'revoked' THEN 1 ELSE 0 END) AS revoked FROM refresh_tokens GROUP BY family_id`).all(now) as { family_id: string; usable: number; revoked: number }[];
        for (const r of rows) {
          if (r.revoked > 0) assert.equal(Number(r.usable), 0, `kill ${kill}: a revoked family still has a usable token`);
          else assert.equal(Number(r.usable), 1, `kill ${kill}: family ${r.family_id} has ${r.usable} usable refresh tokens`);
        }
        const bots = db.prepare('SELECT COUNT(*) AS n FROM bots WHERE id = ? AND previous_secret_hash IS NULL').get(bot.id) as { n: number };
        assert.equal(Number(bots.n), 1, 'the bot has exactly one secret');
      } finally {
        db.close();
      }

      // What the clients hold, against the next server.
      const t = performance.now();
      current = await queue.shift()!;
      waitedForStart += performance.now() - t;
      if (booted < KILLS) {
        queue.push(boot());
        booted++;
      }
      admin = await adminOn(current);
      const next: Family[] = [];
      for (const f of families) {
        const r = await postForm(current.url, { grant_type: 'refresh_token', refresh_token: f.token });
        if (r.status === 200) {
          if (f.inFlight) stats.survivedInFlight++;
          next.push({ token: r.body.refresh_token, inFlight: false });
          continue;
        }
        assert.ok(f.inFlight, `kill ${kill}: the last acknowledged refresh token was lost: ${r.status} ${r.text}`);
        assert.equal(r.body.error, 'invalid_grant');
        stats.lostInFlight++; // the server rotated but its answer died with it: reuse ends the family, as it must
        next.push(await login(current));
      }
      families = next;
      const cc = await postForm(current.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: { authorization: basic(bot.client_id, botState.secret) } });
      if (cc.status !== 200) {
        assert.ok(botState.inFlight, `kill ${kill}: the last acknowledged bot secret stopped working: ${cc.status} ${cc.text}`);
        stats.secretLostInFlight++;
        botState.secret = (await current.api('POST', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/rotate-secret`, {}, admin)).client_secret;
      }
      botState.inFlight = false;
    }
    await current.kill();
    // Every kill landed mid-stream: something was rotating each time.
    assert.ok(stats.rotations + stats.secretRotations >= KILLS, JSON.stringify(stats));
    assert.ok(stats.secretRotations > 0 && stats.lostInFlight + stats.survivedInFlight > 0, JSON.stringify(stats));
    console.log(`# ${KILLS} kills: ${JSON.stringify(stats)}; waited ${Math.round(waitedForStart)} ms for restarts`);
  }));
});

for (const store of ['sqlite', 'postgres'] as const) {
  describe(`concurrent refreshes of one token (${store})`, { skip: store === 'postgres' && postgresSkipReason() }, () => {
    const nodes: Gatehouse[] = [];
    let dropDb: (() => Promise<void>) | undefined;
    after(async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      await dropDb?.();
    });

    test(`exactly one of 12 wins${store === 'postgres' ? ', across two nodes' : ''}; the rest are invalid_grant and end the family`, async () => {
      if (store === 'postgres') {
        const pg = await createTestDatabase();
        dropDb = pg.drop;
        nodes.push(await startGatehouse({ databaseUrl: pg.url }));
        nodes.push(await startGatehouse({ databaseUrl: pg.url }));
      } else {
        nodes.push(await startGatehouse());
      }
      const [a] = nodes;
      await a!.createUser({ email: 'racer@example.com', password: 'ready steady go' });
      for (let round = 0; round < 3; round++) {
        const rt = (await a!.token({ grant_type: 'password', username: 'racer@example.com', password: 'ready steady go' })).body.refresh_token;
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => postForm(nodes[i % nodes.length]!.url, { grant_type: 'refresh_token', refresh_token: rt })));
        const winners = results.filter((r) => r.status === 200);
        assert.equal(winners.length, 1, `round ${round}: ${results.map((r) => r.status).join(',')}`);
        for (const r of results.filter((x) => x.status !== 200)) {
          assert.equal(r.status, 400);
          assert.equal(r.body.error, 'invalid_grant');
        }
        // The losers presented a token that was already spent: that is reuse, so the winner's family ends too.
        const after = await postForm(a!.url, { grant_type: 'refresh_token', refresh_token: winners[0]!.body.refresh_token });
        assert.equal(after.body.error, 'invalid_grant');
      }
      // Audit events are written in batches per node; the other node's batch lands within a second.
      let reuse = 0;
      for (let i = 0; i < 50 && reuse < 3; i++) {
        reuse = (await a!.api('GET', '/api/v1/audit-events?type=refresh.reuse')).events.length;
        if (reuse < 3) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(reuse >= 3, `${reuse} refresh.reuse events`);
    });
  });
}
