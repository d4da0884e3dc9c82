// The server's dependency direction, enforced (docs/architecture.md states it):
//   index → cli → workers → server → services → http → views | ops → oauth | cluster → domain → store → db
// with crypto, security, config and clock beside: anyone may use them, and they use only each other.
// A small scan of the import graph rather than dependency-cruiser: the rule is one table, relative imports are
// the only kind that cross folders here, and the repository takes no dependency it can do without.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.join(import.meta.dirname, '..', 'src');

/** Top to bottom; a module may import the layers below its own and the modules beside, nothing else. */
const LAYERS: readonly (readonly string[])[] = [
  ['index'], // @gatehouse/server as a library: start a node, read the configuration, run the CLI
  ['cli'], // cli/, cli.ts and cli-commands.ts: the command line (which also starts servers)
  ['workers'], // several server processes on one port
  ['server'], // one node: services, cluster, HTTP, background jobs
  ['services', 'listen-port'], // the composition root, and the port resolution
  ['http'], // Fastify: routes, error shapes, authentication of the management API, metrics wiring
  ['views', 'ops'], // the management API's JSON shapes; metrics and background jobs
  ['oauth', 'cluster'], // the OAuth endpoints' logic; caches, change notices and Redis between nodes
  ['domain'], // the rules: management, tokens, the key lifecycle, audit events
  ['store'], // repositories
  ['db'], // connections, schema, migrations
];
const BESIDE = ['crypto', 'security', 'config', 'clock'];
/** Pairs the layer order allows but that must not exist all the same. */
const FORBIDDEN: readonly [from: string, to: string][] = [['cli', 'http']];

/** The module a source file belongs to: its top folder, or its own name for a file at the top. */
function moduleOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  const top = rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, '');
  return top === 'cli-commands' ? 'cli' : top;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORTS = [/^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];

/** Every cross-module import among the sources: [from module, to module, "file -> target"]. */
function crossImports(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const file of sourceFiles(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const re of IMPORTS) {
      for (const m of text.matchAll(re)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue; // packages (node:, fastify, @gatehouse/verify) are not layers
        const target = path.resolve(path.dirname(file), spec);
        const from = moduleOf(file);
        const to = moduleOf(target);
        if (from !== to) out.push([from, to, `${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`]);
      }
    }
  }
  return out;
}

const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

function allowed(from: string, to: string): boolean {
  if (FORBIDDEN.some(([f, t]) => f === from && t === to)) return false;
  if (BESIDE.includes(from)) return BESIDE.includes(to);
  if (BESIDE.includes(to)) return true;
  return rank.get(to)! > rank.get(from)!;
}

test('every source module has a place in the layers', () => {
  const modules = new Set(sourceFiles(SRC).map(moduleOf));
  const unplaced = [...modules].filter((m) => !rank.has(m) && !BESIDE.includes(m));
  assert.deepEqual(unplaced, [], `place these in LAYERS or BESIDE (test/architecture.test.ts and docs/architecture.md): ${unplaced.join(', ')}`);
});

test('imports point down the layers (or beside), never up or sideways', () => {
  const edges = crossImports();
  assert.ok(edges.length > 50, `the scan found the imports (${edges.length})`);
  const wrong = edges.filter(([from, to]) => rank.has(from) || BESIDE.includes(from)).filter(([from, to]) => (rank.has(to) || BESIDE.includes(to)) && !allowed(from, to));
  assert.deepEqual(wrong.map(([from, to, where]) => `${from} → ${to}: ${where}`), []);
});

test('the rule catches an upward import', () => {
  assert.equal(allowed('domain', 'http'), false);
  assert.equal(allowed('security', 'oauth'), false);
  assert.equal(allowed('oauth', 'cluster'), false, 'siblings in one layer do not import each other');
  assert.equal(allowed('cli', 'http'), false);
  assert.equal(allowed('http', 'domain'), true);
  assert.equal(allowed('domain', 'crypto'), true);
});
