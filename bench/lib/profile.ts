// Reads a V8 .cpuprofile (node --cpu-prof, main thread only) and a per-thread CPU sample from /proc, and says
// where the time went: each sample is charged to the innermost frame that belongs to a known component.
import fs from 'node:fs';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Node {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Components, innermost first: the first one that matches a frame on the stack takes the sample. */
const COMPONENTS: [string, (f: Frame) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle (waiting: signing jobs on the thread pool, I/O)', (f) => f.functionName === '(idle)'],
  ['V8/native, unattributed ("program")', (f) => f.functionName === '(program)'],
  ['jose (JWT encode, WebCrypto calls)', (f) => f.url.includes('/jose/')],
  // jobPromise hands the ECDSA job to libuv's pool; on one core the pool thread then preempts the event loop, so the
  // signature's own time lands here in a wall-clock profile.
  ['WebCrypto ECDSA sign (job on the thread pool, same core)', (f) => f.functionName === 'jobPromise' || f.url.startsWith('node:internal/crypto/webcrypto') || f.url.startsWith('node:internal/crypto/ec') || f.url.startsWith('node:internal/crypto/keys')],
  ['logging (pino)', (f) => /\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|@pinojs\/redact)\//.test(f.url)],
  ['store: Kysely + node:sqlite', (f) => f.url.includes('/kysely/') || f.url.includes('/db/sqlite-driver.ts') || f.url.includes('/src/store/')],
  ['audit log batching', (f) => f.url.includes('/store/audit.ts') || f.url.includes('/domain/events.ts')],
  ['Gatehouse OAuth code (params, client auth, grant, minting)', (f) => f.url.includes('/packages/server/src/')],
  ['Fastify (routing, hooks, reply, content-type parsing)', (f) => /\/(fastify|@fastify\/[^/]+|find-my-way|avvio|fast-json-stringify|light-my-request|toad-cache|fast-querystring|secure-json-parse)\//.test(f.url)],
  ['Node HTTP, net and streams', (f) => /^node:(_http|http|net|stream|internal\/(http|stream|streams|net|js_stream|timers|async_hooks|process\/task_queues))/.test(f.url)],
  ['Node crypto (HMAC, random, hashing)', (f) => f.url.startsWith('node:internal/crypto') || f.url === 'node:crypto'],
];

export interface ProfileSummary {
  totalMs: number;
  /** False when no sample fell inside the window asked for, and the whole profile was used. */
  windowed: boolean;
  components: { name: string; ms: number; share: number }[];
  topSelf: { fn: string; where: string; ms: number; share: number }[];
}

function where(f: Frame): string {
  if (!f.url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(f.url);
  if (nm) return `${nm[1]}/${nm[2]}:${f.lineNumber + 1}`;
  const src = /\/(packages\/.*|bench\/.*)$/.exec(f.url);
  if (src) return `${src[1]}:${f.lineNumber + 1}`;
  return `${f.url}:${f.lineNumber + 1}`;
}

/**
 * `window`: [start, end] in microseconds of CLOCK_MONOTONIC (process.hrtime.bigint() / 1000n), the clock V8's
 * profiler stamps samples with, so start-up and shutdown stay out of the picture.
 */
export function summariseProfile(file: string, window?: [number, number], top = 15): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, Node>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const collect = (inWindow: boolean) => {
    const self = new Map<number, number>();
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (inWindow && window && (t < window[0] || t > window[1])) continue;
      self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
    }
    return self;
  };
  let selfUs = collect(true);
  const windowed = selfUs.size > 0;
  if (!windowed) selfUs = collect(false);
  const component = new Map<string, number>();
  const fnSelf = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    total += us;
    let name = 'other JavaScript';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const hit = COMPONENTS.find(([, test]) => test(f));
      if (hit) {
        name = hit[0];
        break;
      }
    }
    component.set(name, (component.get(name) ?? 0) + us);
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName}|${f.url}|${f.lineNumber}`;
    const e = fnSelf.get(key) ?? { fn: f.functionName || '(anonymous)', where: where(f), us: 0 };
    e.us += us;
    fnSelf.set(key, e);
  }
  return {
    totalMs: total / 1000,
    windowed,
    components: [...component].map(([name, us]) => ({ name, ms: us / 1000, share: us / total })).sort((a, b) => b.ms - a.ms),
    topSelf: [...fnSelf.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ fn: e.fn, where: e.where, ms: e.us / 1000, share: e.us / total })),
  };
}

/** CPU seconds (user + system) in a /proc `stat` file. */
function statCpuSeconds(file: string): number {
  const stat = fs.readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime, in USER_HZ (100 on Linux)
}

/** CPU seconds (user + system) a process has used so far, all its threads, exited ones included. */
export function processCpu(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** CPU seconds (user+system) per thread name of a process, from /proc/PID/task/*. */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const secs = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
      const name = tid === String(pid) ? 'main (JavaScript event loop)' : comm.replace(/\d+$/, '').trim() || comm;
      out.set(name, (out.get(name) ?? 0) + secs);
    } catch {
      /* thread exited */
    }
  }
  return out;
}
