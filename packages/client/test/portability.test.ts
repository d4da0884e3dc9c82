// The SDK must run where Node's type stripping does not: Node 20, Deno, Bun, browsers. Two checks: the core
// uses no Node-only API (only the CLI may), and the built JS really runs on an older Node against a token server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { startStandIn } from './support/stand-in.ts';

const run = promisify(execFile);
const src = new URL('../src/', import.meta.url);

async function coreFiles(dir = src.pathname): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'cli') files.push(...(await coreFiles(path)));
    } else if (entry.name.endsWith('.ts') && entry.name !== 'cli.ts') files.push(path);
  }
  return files;
}

/** An older Node than the one running the tests, if the machine has one (system node here is 20). */
async function olderNode(): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const { stdout } = await run(candidate, ['--version']);
    if (Number(/^v(\d+)/.exec(stdout)?.[1]) < 22) return candidate;
  }
  return undefined;
}

describe('portability', () => {
  it('the core imports nothing from Node and uses no Node globals', async () => {
    for (const file of await coreFiles()) {
      const text = await readFile(file, 'utf8');
      const code = text.replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');
      assert.doesNotMatch(code, /from ['"]node:|require\(|\bprocess\.|\bBuffer\b/, file);
    }
  });

  it('the build (JS + .d.ts) runs on an older Node: client credentials and authFetch', async (t) => {
    const node = await olderNode();
    if (!node) return t.skip('no Node < 22 on this machine');
    const out = await mkdtemp(join(tmpdir(), 'gatehouse-client-dist-'));
    const server = await startStandIn();
    try {
      const tsc = new URL('../../../node_modules/typescript/bin/tsc', import.meta.url).pathname;
      await run(process.execPath, [tsc, '-p', new URL('../tsconfig.build.json', import.meta.url).pathname, '--outDir', out]);
      assert.ok(existsSync(join(out, 'index.d.ts')), 'type declarations are emitted');
      const api = await server.createApi({ identifier: 'https://dataloy', scopes: ['read'] });
      const bot = await server.createBot();
      await server.grant(api.id, bot.id, ['read']);
      const script = `
        import { clientCredentials, createAuthFetch } from ${JSON.stringify(join(out, 'index.js'))};
        const p = clientCredentials({ issuer: process.env.ISSUER, clientId: process.env.ID, clientSecret: process.env.SECRET, audience: 'https://dataloy' });
        const tokens = await Promise.all([p.getToken(), p.getToken()]);
        const res = await createAuthFetch(p)(process.env.ISSUER + '/.well-known/openid-configuration');
        console.log(JSON.stringify({ same: tokens[0].accessToken === tokens[1].accessToken, status: res.status }));
      `;
      const { stdout } = await run(node, ['--input-type=module', '-e', script], {
        env: { ...process.env, ISSUER: server.url, ID: bot.client_id, SECRET: bot.client_secret },
      });
      assert.deepEqual(JSON.parse(stdout), { same: true, status: 200 });
    } finally {
      await server.stop();
      await rm(out, { recursive: true, force: true });
    }
  });
});
