/** `npm start`'s entry point: configuration from the environment, clear failure without an issuer. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { AUDIENCE, startIssuer } from '../../../packages/verify/test/support/issuer.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

test('configuration defaults and validation', () => {
  assert.deepEqual(loadConfig({ GATEHOUSE_ISSUER: 'http://127.0.0.1:8080' }), {
    issuer: 'http://127.0.0.1:8080', audience: 'https://api.example', port: 8081, host: '127.0.0.1', revocationPollMs: 5000,
  });
  assert.equal(loadConfig({ GATEHOUSE_ISSUER: 'http://gh', AUDIENCE: 'https://dataloy', PORT: '9000' }).port, 9000);
  assert.throws(() => loadConfig({}), /GATEHOUSE_ISSUER is required/);
  assert.throws(() => loadConfig({ GATEHOUSE_ISSUER: 'gatehouse.local' }), /http\(s\) URL/);
  assert.throws(() => loadConfig({ GATEHOUSE_ISSUER: 'http://gh', PORT: 'eighty' }), /PORT/);
});

test('without GATEHOUSE_ISSUER it says so and exits 1', async () => {
  const env = { ...process.env };
  delete env.GATEHOUSE_ISSUER;
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(stderr, /GATEHOUSE_ISSUER is required/);
  assert.ok(!stderr.includes('    at '), 'no stack trace');
});

test('with an issuer it serves the API on PORT', async () => {
  const issuer = await startIssuer();
  await issuer.addKey();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, GATEHOUSE_ISSUER: issuer.url, PORT: '0', AUDIENCE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const token = await issuer.sign({ scope: 'datasets:read' });
    const res = await fetch(`${url}/api/v1/projects/proj-1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.ok(!out.includes(token), 'the token is not logged');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await issuer.close();
  }
});
