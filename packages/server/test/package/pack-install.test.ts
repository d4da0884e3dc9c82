// The three packages as a user gets them from npm: built (JS + .d.ts in dist/), packed, and installed from the
// tarballs into a fresh project outside the workspace (no links), where every entry point imports and
// `gatehouse start` runs from the installed package to its first token. Third-party dependencies come from the
// npm cache when they are there (--prefer-offline).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PACKAGES = ['client', 'verify', 'server'] as const;

/** npm under the pinned Node: the one running `npm test` when there is one. */
function npm(args: string[], cwd: string) {
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli && cli.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', args];
  return run(cmd, argv, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

test('packed and installed from tarballs: every entry point imports, and gatehouse start issues a token', { timeout: 180_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pack-'));
  let server: ChildProcess | undefined;
  try {
    // Build each package (what `npm publish` of its dist/ needs first), two at a time on two cores.
    await Promise.all(PACKAGES.map((p) => npm(['run', 'build', '--silent'], path.join(ROOT, 'packages', p))));
    const tarballs: string[] = [];
    for (const p of PACKAGES) {
      const { stdout } = await npm(['pack', path.join(ROOT, 'packages', p, 'dist'), '--pack-destination', tmp, '--json'], tmp);
      const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
      const files = info!.files.map((f) => f.path);
      assert.ok(files.every((f) => !/(^|\/)(test|fuzz|src)\//.test(f) && !f.endsWith('.ts') || f.endsWith('.d.ts')), `${p} ships only built files: ${files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))}`);
      assert.ok(files.includes('index.js') && files.includes('index.d.ts'), `${p} ships JS and types`);
      tarballs.push(path.join(tmp, info!.filename));
    }

    const project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'pack-install-check', private: true, type: 'module' }));
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...tarballs], project);

    const installed = (name: string) => path.join(project, 'node_modules', '@gatehouse', name);
    for (const p of PACKAGES) {
      assert.equal(fs.lstatSync(installed(p)).isSymbolicLink(), false, `@gatehouse/${p} is a copy, not a workspace link`);
      assert.ok(fs.realpathSync(installed(p)).startsWith(fs.realpathSync(project)));
    }
    const manifest = (name: string) => JSON.parse(fs.readFileSync(path.join(installed(name), 'package.json'), 'utf8')) as Record<string, any>;
    assert.deepEqual(Object.keys(manifest('client').dependencies ?? {}), [], 'the SDK has no runtime dependency');
    assert.deepEqual(Object.keys(manifest('verify').dependencies ?? {}), ['jose'], 'the verifier needs only jose');
    for (const p of PACKAGES) assert.ok(manifest(p).license && manifest(p).engines?.node && manifest(p).exports, `${p}: license, engines, exports`);

    const probe = `
      const entries = ['@gatehouse/client', '@gatehouse/client/cli', '@gatehouse/verify', '@gatehouse/verify/fastify',
        '@gatehouse/verify/express', '@gatehouse/verify/request', '@gatehouse/verify/http-error', '@gatehouse/verify/revocation-rule', '@gatehouse/server'];
      const out = {};
      for (const e of entries) out[e] = Object.keys(await import(e)).sort();
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: project });
    const exportsOf = JSON.parse(stdout) as Record<string, string[]>;
    assert.ok(exportsOf['@gatehouse/verify']!.includes('createVerifier'));
    assert.ok(exportsOf['@gatehouse/server']!.includes('startServer'));
    assert.ok(exportsOf['@gatehouse/client/cli']!.includes('runClientCli'));
    for (const [e, names] of Object.entries(exportsOf)) assert.ok(names.length > 0, `${e} exports something`);

    // The installed bin, with the pinned Node, on a fresh data dir, to its first token.
    const bin = path.join(installed('server'), manifest('server').bin.gatehouse as string);
    const password = 'pack-install-admin-password';
    server = spawn(process.execPath, [bin, 'start', '--port', '0', '--data-dir', path.join(tmp, 'data')], {
      cwd: project,
      env: { ...process.env, GATEHOUSE_ADMIN_EMAIL: 'admin@pack.test', GATEHOUSE_ADMIN_PASSWORD: password, GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 9).toString('hex'), GATEHOUSE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    server.stdout!.on('data', (d: Buffer) => (logs += d));
    const url = await new Promise<string>((resolve, reject) => {
      server!.stderr!.on('data', (d: Buffer) => {
        logs += d;
        const m = /Gatehouse is ready at (\S+)/.exec(logs);
        if (m) resolve(m[1]!);
      });
      server!.once('exit', (code) => reject(new Error(`gatehouse exited with ${code}:\n${logs}`)));
    });
    const res = await fetch(`${url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username: 'admin@pack.test', password }) });
    assert.equal(res.status, 200, logs);
    const body = (await res.json()) as { access_token?: string };
    assert.match(body.access_token ?? '', /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.doesNotMatch(logs, /ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING/);
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
