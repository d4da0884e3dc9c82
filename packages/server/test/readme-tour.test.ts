// The README's quick start and then its tour, as a reader runs them (issue 17 item 9): the quick start leaves
// ./.gatehouse with a generated admin; the tour's own start line must still give it the admin it logs in as, and
// its commands, run under `bash -eo pipefail` as the README says, must get to the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(ROOT, 'packages/server/bin/gatehouse.js');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The ```sh blocks of the tour section, in order. */
function tourBlocks(): string[] {
  const section = README.split('\n## A five-minute tour with curl')[1]!.split('\n## ')[0]!;
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Runs a README line that starts Gatehouse (`npx gatehouse` is this checkout's bin) on a free port in `cwd`. */
async function start(line: string, cwd: string): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const command = line.trim().replace('npx gatehouse', '"$GATEHOUSE_NODE" "$GATEHOUSE_BIN"') + ' --port 0';
  const env: Record<string, string> = { ...(process.env as Record<string, string>), GATEHOUSE_NODE: process.execPath, GATEHOUSE_BIN: BIN };
  for (const k of Object.keys(env)) if (k.startsWith('GATEHOUSE_') && !['GATEHOUSE_NODE', 'GATEHOUSE_BIN'].includes(k)) delete env[k];
  const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 20 s:\n${output}`)), 20_000);
    const check = () => {
      const m = /Gatehouse is ready at (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  return { url, child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

test('the README: quick start, then the tour from its first line to its last', async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-readme-'));
  try {
    // The quick start: `npx gatehouse start` makes ./.gatehouse with a generated admin.
    const quick = await start('npx gatehouse start', cwd);
    assert.match(quick.output(), /Created the admin user admin@gatehouse\.local with password/);
    await stop(quick.child);

    const [startLine, ...commands] = tourBlocks();
    assert.match(startLine!, /npx gatehouse start/);
    const tour = await start(startLine!, cwd);
    try {
      const script = commands.join('\n').replaceAll('http://127.0.0.1:8080', tour.url);
      const r = await promisify(execFile)('bash', ['-eo', 'pipefail', '-c', script], { cwd, timeout: 60_000 }).catch((err: { code: number; stdout: string; stderr: string }) => err);
      assert.equal('code' in r && typeof r.code === 'number' ? r.code : 0, 0, `the tour failed:\n${r.stdout}\n${r.stderr}\n${tour.output()}`);
      assert.match(r.stdout, /"name":"myProject"/, 'the bot read its project');
      assert.match(r.stdout, /"statusCode":401/, 'and the call without a token is the 401');
    } finally {
      await stop(tour.child);
    }
    // bot.json holds a secret: git must ignore it where the tour writes it.
    const ignored = fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n');
    assert.ok(ignored.includes('bot.json'), '.gitignore names bot.json');
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
