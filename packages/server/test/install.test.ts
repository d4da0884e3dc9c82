// The README's install (issue 17 item 10): `npm ci` with an older system Node is quiet, and the engine check npm
// makes against the wrong Node is made here against the right one. npm compares every package's `engines` with
// the Node that runs npm (npm 11 offers no setting for the Node the packages will run on), but in this repository
// nothing runs on that Node: `npx` and `npm run` put the pinned `node` dev dependency first on PATH. So .npmrc
// keeps npm's false alarms out of the install, and this test checks every locked package against the pinned Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: unknown; dev?: boolean }> };

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v.replace(/^v/, '').split('-')[0]!.split('.').map((x) => (x === 'x' || x === '*' ? 0 : Number(x)));
  return [a, b, c];
};
const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The subset of semver ranges that engines fields use: `||`, `>=`, `>`, `<`, `<=`, `^`, `~`, `X`, `X.Y`, `*`. */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/([<>=^~]+)\s+/g, '$1')
      .split(/\s+/)
      .every((c) => {
        if (c === '' || c === '*' || c === 'x') return true;
        const m = /^(>=|<=|>|<|\^|~|=)?v?(\d+(?:\.(?:\d+|x|\*))?(?:\.(?:\d+|x|\*))?)/.exec(c);
        if (!m) throw new Error(`cannot read the range "${range}"`);
        const op = m[1] ?? '';
        const parts = m[2]!.split('.').filter((p) => p !== 'x' && p !== '*').length;
        const w = parse(m[2]!);
        switch (op) {
          case '>=': return cmp(v, w) >= 0;
          case '>': return cmp(v, w) > 0;
          case '<=': return cmp(v, w) <= 0;
          case '<': return cmp(v, w) < 0;
          case '^': return cmp(v, w) >= 0 && (w[0] > 0 ? v[0] === w[0] : v[1] === w[1]);
          case '~': return cmp(v, w) >= 0 && v[0] === w[0] && v[1] === w[1];
          default: return parts === 1 ? v[0] === w[0] : parts === 2 ? v[0] === w[0] && v[1] === w[1] : cmp(v, w) === 0;
        }
      }),
  );
}

test('the range reader', () => {
  assert.ok(satisfies('24.21.0', '>=22'));
  assert.ok(satisfies('24.21.0', '18 || 20 || >=22'));
  assert.ok(satisfies('24.21.0', '^20.2.0 || ^22.1.0 || ^24.0.0'));
  assert.ok(!satisfies('20.20.2', '>=22'));
  assert.ok(!satisfies('20.20.2', '>= 24'));
  assert.ok(satisfies('20.20.2', '^20.2.0'));
});

test('every locked package runs on the pinned Node (the engine check npm makes against its own Node)', () => {
  const pinned = lock.packages['node_modules/node']?.version;
  assert.ok(pinned, 'the node dev dependency is locked');
  const misfits: string[] = [];
  for (const [where, pkg] of Object.entries(lock.packages)) {
    const engines = pkg.engines;
    const range = Array.isArray(engines) ? undefined : (engines as { node?: string } | undefined)?.node;
    if (range && !satisfies(pinned, range)) misfits.push(`${where || '(root)'} needs node ${range}`);
  }
  assert.deepEqual(misfits, [], `not for Node ${pinned}`);
});

test('`npm ci` with the system npm and Node prints no warning (it would print EBADENGINE ones without .npmrc)', { skip: !fs.existsSync('/usr/bin/npm') && 'no system npm' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-install-'));
  try {
    const root = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    for (const f of ['package.json', 'package-lock.json', '.npmrc', ...root.workspaces.map((w) => `${w}/package.json`)]) {
      if (!fs.existsSync(path.join(ROOT, f))) continue;
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    }
    // The system Node first on PATH, as for someone typing the README's command; a dry run reads only the lockfile.
    const env = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH}` };
    const { stdout, stderr } = await promisify(execFile)('/usr/bin/npm', ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], { cwd: dir, env, timeout: 120_000 });
    assert.doesNotMatch(stdout + stderr, /EBADENGINE|npm warn/i);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
