// The load generator: autocannon (keep-alive, a fixed number of connections), with latency percentiles
// computed from every 2xx response's own duration (autocannon's histogram rounds to whole milliseconds).
import { createRequire } from 'node:module';

export interface LoadRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown>;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds measured. */
  duration: number;
  /** Seconds of load before the measurement (JIT, caches, pools). */
  warmup?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: LoadRequest[];
  /** CPU seconds the server has used so far (bench/lib/profile.ts processCpu): read around the measured window. */
  cpuSeconds?: () => number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  /** Non-2xx responses plus socket errors and timeouts. */
  failed: number;
  /** First non-2xx status seen, to explain failures. */
  firstFailure?: number;
  /** The server's CPU time per answered request in µs over the measured window (all its threads), when asked. */
  cpuUs?: number;
}

interface Instance {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  then: Promise<{ requests: { total: number }; duration: number; non2xx: number; errors: number; timeouts: number }>['then'];
}
type Autocannon = (options: Record<string, unknown>) => Instance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function once(o: LoadOptions, duration: number, record: boolean): Promise<LoadResult> {
  const latencies: number[] = [];
  let firstFailure: number | undefined;
  const inst = autocannon({
    url: o.url,
    connections: o.connections,
    duration,
    method: o.method ?? 'GET',
    headers: o.headers,
    body: o.body,
    requests: o.requests,
    timeout: 10,
  });
  inst.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) {
      if (record) latencies.push(ms);
    } else firstFailure ??= status;
  });
  const r = await inst;
  const sorted = Float64Array.from(latencies).sort();
  const failed = r.non2xx + r.errors + r.timeouts;
  return {
    rps: (r.requests.total - r.non2xx) / r.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    ok: r.requests.total - r.non2xx,
    failed,
    ...(firstFailure !== undefined ? { firstFailure } : {}),
  };
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  if (o.warmup) await once(o, o.warmup, false);
  const cpu0 = o.cpuSeconds?.();
  const r = await once(o, o.duration, true);
  if (cpu0 === undefined) return r;
  const answered = r.ok + r.failed;
  return { ...r, cpuUs: answered > 0 ? ((o.cpuSeconds!() - cpu0) * 1e6) / answered : NaN };
}
