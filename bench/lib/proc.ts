// Processes under test: spawned pinned to a core with taskset, logs to a file, RSS read from /proc.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';

/** taskset works here and there are at least two cores to split between server and load generator. */
export const CAN_PIN: boolean = (() => {
  if (os.availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins this process (every thread it has and every one it starts later) to `cores`, e.g. "1". */
export function pinSelf(cores: string): void {
  if (CAN_PIN) execFileSync('taskset', ['-a', '-cp', cores, String(process.pid)], { stdio: 'ignore' });
}

/** The command line that runs `cmd args` pinned to `cores` (unpinned when pinning is impossible). */
export function pinned(cores: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return cores && CAN_PIN ? ['taskset', ['-c', cores, cmd, ...args]] : [cmd, [...args]];
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export interface Server {
  readonly name: string;
  readonly child: ChildProcess;
  /** performance.now() just before spawn. */
  readonly spawnedAt: number;
  readonly url: string;
  readonly logFile: string;
  stderr(): string;
  /** RSS in MiB of the process and all its descendants (cluster workers). */
  rss(): number;
  /** Node processes in the tree (1 without cluster workers). */
  processes(): number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  cores: string | undefined;
  args: readonly string[];
  env?: Record<string, string | undefined>;
  url: string;
  logFile: string;
}

/** Spawns `node ...args`; stdout (JSON logs) goes to a file, stderr is kept for error messages. */
export function spawnServer(o: SpawnOptions): Server {
  const [cmd, args] = pinned(o.cores, process.execPath, o.args);
  const out = fs.openSync(o.logFile, 'a');
  const env = { ...process.env, ...o.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const spawnedAt = performance.now();
  const child = spawn(cmd, args, { env, stdio: ['ignore', out, 'pipe'] });
  fs.closeSync(out);
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (err.length < 100_000) err += d;
  });
  const exited = once(child, 'exit');
  return {
    name: o.name,
    child,
    spawnedAt,
    url: o.url,
    logFile: o.logFile,
    stderr: () => err,
    rss: () => treeStat(child.pid!).rssMiB,
    processes: () => treeStat(child.pid!).count,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until `probe` resolves true, or throws after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      /* not up yet */
    }
    if (performance.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function treeStat(root: number): { rssMiB: number; count: number } {
  const pids = new Set([root]);
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  for (let grew = true; grew; ) {
    grew = false;
    for (const pid of all) {
      const ppid = parentOf(pid);
      if (!pids.has(pid) && ppid !== undefined && pids.has(ppid)) {
        pids.add(pid);
        grew = true;
      }
    }
  }
  let kib = 0;
  for (const pid of pids) kib += rssKiB(pid);
  return { rssMiB: kib / 1024, count: pids.size };
}
