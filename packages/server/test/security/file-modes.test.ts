// The SQLite files are 0600 even in a data directory that already existed with a permissive mode and under a
// permissive umask, and Gatehouse warns that the directory itself is readable by others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGatehouse } from '../support/harness.ts';

test('gatehouse.db, -wal and -shm are created 0600 in an existing 0755 directory, with a warning about the directory', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-modes-'));
  fs.chmodSync(dataDir, 0o755);
  const gh = await startGatehouse({ dataDir, store: 'sqlite' });
  try {
    await gh.createProject('modes'); // a write, so the WAL exists
    for (const name of ['gatehouse.db', 'gatehouse.db-wal', 'gatehouse.db-shm']) {
      const mode = fs.statSync(path.join(dataDir, name)).mode & 0o777;
      assert.equal(mode.toString(8), '600', `${name} is ${mode.toString(8)}`);
    }
    assert.match(gh.logs(), /data directory .* is accessible to other users \(mode 755\)/);
  } finally {
    await gh.stop();
  }
});

test('files an older version left 0644 are narrowed to 0600 on start', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-modes-'));
  const first = await startGatehouse({ dataDir, store: 'sqlite' });
  await first.stop();
  for (const name of fs.readdirSync(dataDir).filter((n) => n.startsWith('gatehouse.db'))) fs.chmodSync(path.join(dataDir, name), 0o644);
  const gh = await startGatehouse({ dataDir, store: 'sqlite', env: { GATEHOUSE_ADMIN_PASSWORD: first.admin.password } });
  try {
    assert.equal((fs.statSync(path.join(dataDir, 'gatehouse.db')).mode & 0o777).toString(8), '600');
    assert.doesNotMatch(gh.logs(), /accessible to other users/, 'a 0700 directory is not warned about');
  } finally {
    await gh.stop();
  }
});
