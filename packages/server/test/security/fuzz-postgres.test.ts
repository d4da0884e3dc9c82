// A short, seeded run of `npm run fuzz` against PostgreSQL: hostile strings (NUL, lone surrogates, ...) in every
// parameter of every endpoint, and no answer may be a 5xx. The long runs (100,000 requests) are in docs/security.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { postgresSkipReason } from '../support/postgres.ts';

const RUN = fileURLToPath(new URL('../../fuzz/run.ts', import.meta.url));
const skip = postgresSkipReason();

test('npm run fuzz on PostgreSQL, 1,500 requests (seed 15): no 5xx, no crash, no unexpected error', { skip }, () => {
  const r = spawnSync(process.execPath, [RUN, '--store', 'postgres', '--requests', '1500', '--seconds', '120', '--seed', '15', '--concurrency', '8', '--no-memory-check'], {
    encoding: 'utf8',
    env: process.env,
    timeout: 180_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /PASS: no 5xx/);
});
