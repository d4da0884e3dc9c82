/**
 * Seeds a Gatehouse SQLite data dir with N bots, each granted the scopes of one API, straight into the
 * database (the management API would take hours for a million). The schema comes from the server's own
 * migrations (its store module); secrets are hashed as the server hashes them: HMAC-SHA-256 under the
 * hashing key derived from GATEHOUSE_SECRET_KEY (packages/server/src/crypto/{master-key,secrets}.ts).
 * Bot i's secret is derived from i, so the load generator can present any of them.
 *
 *   npx node bench/seed-bots.ts <data-dir> <count>
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openStore } from '../packages/server/src/store/index.ts';
import { loadServerKeys } from '../packages/server/src/crypto/master-key.ts';
import { SecretHasher } from '../packages/server/src/crypto/secrets.ts';
import { RESOURCE, SCOPES, SECRET_KEY } from './lib/gatehouse.ts';

const PER_PROJECT = 1000;

export function seededBot(i: number): { clientId: string; secret: string } {
  return { clientId: `bench-bot-${i}@bots.gatehouse.local`, secret: 'ghb_' + createHash('sha256').update(`bench-bot-${i}`).digest('base64url') };
}

export async function seedBots(dataDir: string, count: number, log: (line: string) => void = () => {}): Promise<void> {
  const store = await openStore({ dataDir }); // creates the file and applies the server's migrations
  await store.close();
  const hasher = new SecretHasher(loadServerKeys(SECRET_KEY, dataDir).hashing);
  const db = new DatabaseSync(path.join(dataDir, 'gatehouse.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;');
  const now = Date.now();
  const scopes = JSON.stringify(SCOPES);
  const apiId = randomUUID();
  db.prepare('INSERT INTO apis (id, identifier, name, scopes, token_lifetime, signing_alg, reuse_tokens, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, 0, ?, ?)')
    .run(apiId, RESOURCE, 'Dataloy', scopes, now, now);
  const project = db.prepare('INSERT INTO projects (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)');
  const bot = db.prepare(
    'INSERT INTO bots (id, project_id, name, email, secret_hash, secret_prefix, previous_secret_hash, previous_secret_expires_at, password_grant, created_at, updated_at) ' +
      'VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 1, ?, ?)',
  );
  const member = db.prepare("INSERT INTO members (project_id, principal_type, principal_id, role, created_at) VALUES (?, 'bot', ?, 'developer', ?)");
  const grant = db.prepare('INSERT INTO grants (api_id, bot_id, scopes, created_at) VALUES (?, ?, ?, ?)');
  const started = performance.now();
  let projectId = '';
  db.exec('BEGIN');
  for (let i = 0; i < count; i++) {
    if (i % PER_PROJECT === 0) {
      projectId = randomUUID();
      project.run(projectId, `bench-${i / PER_PROJECT}`, now, now);
    }
    const { clientId, secret } = seededBot(i);
    const id = randomUUID();
    bot.run(id, projectId, `bot-${i}`, clientId, hasher.hash(secret), secret.slice(0, 8), now, now);
    member.run(projectId, id, now);
    grant.run(apiId, id, scopes, now);
    if (i % 100_000 === 99_999) {
      db.exec('COMMIT; BEGIN');
      log(`  seeded ${i + 1} bots in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;');
  db.close();
}

if (import.meta.main) {
  const [dir, n] = process.argv.slice(2);
  if (!dir || !n) {
    console.error('usage: npx node bench/seed-bots.ts <data-dir> <count>');
    process.exit(2);
  }
  const t0 = performance.now();
  await seedBots(path.resolve(dir), Number(n), console.log);
  console.log(`${n} bots in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
