// `npm run fuzz`: random and mutated requests against a real Gatehouse (SQLite, or PostgreSQL with --store
// postgres and GATEHOUSE_TEST_DATABASE_URL) on every public endpoint, with
// hostile bodies, headers, query strings, methods, paths and encodings, plus a share of malformed raw HTTP.
// Passes when no request gets a 5xx, the server never dies (an unhandled rejection or an exception would end it),
// no "unexpected error" is logged, and its memory stays bounded: the V8 heap is capped (a leak ends the process)
// and resident memory may not keep growing after warm-up.
//
//   npm run fuzz -- [--requests 100000] [--seconds 1200] [--concurrency 16] [--seed N] [--store sqlite|postgres]
//                   [--no-memory-check]
//
// Bounded by the number of requests and by time; a short run on PostgreSQL is part of `npm test`
// (test/security/fuzz-postgres.test.ts, without the memory check, which needs a long run to mean anything).
import net from 'node:net';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startGatehouse, type Gatehouse } from '../test/support/harness.ts';
import { Corpus, type FuzzRequest, generate } from './generators.ts';
import { Rng } from './rng.ts';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '1200' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string' },
    'heap-mb': { type: 'string', default: '128' },
    store: { type: 'string', default: 'sqlite' },
    'no-memory-check': { type: 'boolean', default: false },
  },
});
const TOTAL = Number(opts.requests);
const SECONDS = Number(opts.seconds);
const CONCURRENCY = Number(opts.concurrency);
const SEED = opts.seed !== undefined ? Number(opts.seed) : Math.floor(Math.random() * 2 ** 31);
const HEAP_MB = Number(opts['heap-mb']);
const STORE = opts.store === 'postgres' ? 'postgres' : 'sqlite';
const MEMORY_CHECK = !opts['no-memory-check'];

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface Outcome {
  status: number;
  error?: string;
  text?: string;
}

/** One request over its own TCP connection, written byte for byte, so nothing normalizes what we send. */
function sendRaw(port: number, bytes: Buffer, timeoutMs = 5000, halfClose = false, wholeBody = false): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = '';
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(o);
    };
    socket.setTimeout(timeoutMs, () => finish({ status: 0, error: 'timeout' }));
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m && !wholeBody) finish({ status: Number(m[1]) });
      else if (!m && head.length > 64) finish({ status: 0, error: `not HTTP: ${JSON.stringify(head.slice(0, 64))}` });
    });
    socket.on('error', (err) => finish({ status: 0, error: err.message }));
    socket.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      finish(m ? { status: Number(m[1]), text: head } : { status: 0, error: 'closed without a response' });
    });
    // Half-closing would make Node's server abort a request still being handled, so only the malformed ones
    // (a body shorter than its Content-Length, bytes that are not HTTP) are followed by our end of the stream.
    if (halfClose) socket.end(bytes);
    else socket.write(bytes);
  });
}

function encode(r: FuzzRequest): Buffer {
  if (r.method === 'RAW') return r.body ?? Buffer.alloc(0);
  const lines = [`${r.method} ${r.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of r.headers) lines.push(`${k}: ${v}`);
  const body = r.body ?? Buffer.alloc(0);
  if (!r.headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k)) && (body.length > 0 || ['POST', 'PUT', 'PATCH'].includes(r.method))) {
    lines.push(`Content-Length: ${body.length}`);
  }
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}

async function main(): Promise<number> {
  console.log(`fuzz: ${TOTAL} requests, at most ${SECONDS} s, concurrency ${CONCURRENCY}, seed ${SEED}, ${STORE}, server heap cap ${HEAP_MB} MB`);
  if (STORE === 'postgres' && !process.env.GATEHOUSE_TEST_DATABASE_URL) throw new Error('--store postgres needs GATEHOUSE_TEST_DATABASE_URL (a fresh database is created in it and dropped)');
  const gh: Gatehouse = await startGatehouse({
    store: STORE,
    env: {
      GATEHOUSE_LOG_LEVEL: 'warn',
      // X-Forwarded-For is fuzzed too; trusting the local proxy spreads the brute-force counters over many
      // addresses (and exercises their bounded store) instead of blocking the fuzzer's own address at once.
      GATEHOUSE_TRUST_PROXY: '127.0.0.1',
      GATEHOUSE_CORS_ORIGINS: 'https://app.example',
      NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
    },
  });
  // However this process ends, the server it started ends with it.
  const stopServer = () => void (gh.process.exitCode === null && gh.process.signalCode === null && gh.process.kill('SIGKILL'));
  process.once('exit', stopServer);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (stopServer(), process.exit(130)));
  const port = Number(new URL(gh.url).port);
  const pid = gh.process.pid!;
  let died = false;
  gh.process.once('exit', () => (died = true));

  const corpus = await Corpus.build(gh);
  const rng = new Rng(SEED);
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  let sent = 0;
  let transportErrors = 0;
  // Resident memory from /proc, the V8 heap in use from the server's own /metrics (nodejs_heap_size_used_bytes).
  const memory: { at: number; rss: number; heap: number }[] = [];
  const sampler = setInterval(() => {
    const at = sent;
    const rss = rssMb(pid);
    void sendRaw(port, Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 5000, false, true).then((o) => {
      const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(o.text ?? '');
      memory.push({ at, rss, heap: m ? Number(m[1]) / 1048576 : NaN });
    });
  }, 1000);
  const started = Date.now();
  let lastReport = started;
  let lastSent = 0;

  const worker = async () => {
    while (sent < TOTAL && Date.now() < deadline && !died && failures.length < 20) {
      const index = sent++;
      const req = generate(rng, corpus);
      if (process.env.FUZZ_TRACE) console.log(`#${index} ${describe(req).slice(0, 300)}`);
      const o = await sendRaw(port, encode(req), req.malformed ? 1000 : 15000, req.malformed);
      if (o.status === 0) {
        // A server may close a connection on bytes that are not HTTP; for well-formed requests that is a failure.
        if (!req.malformed && !died) failures.push(`#${index} no response (${o.error}): ${describe(req)}`);
        transportErrors++;
      } else {
        statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
        if (o.status >= 500) failures.push(`#${index} ${o.status}: ${describe(req)}`);
      }
      if (Date.now() - lastReport > 10_000) {
        const last = memory[memory.length - 1];
        console.log(`  ${sent} sent, ${Math.round((sent - lastSent) / ((Date.now() - lastReport) / 1000))}/s, server RSS ${Math.round(rssMb(pid))} MB, heap ${last?.heap.toFixed(0)} MB`);
        lastReport = Date.now();
        lastSent = sent;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(sampler);
  const elapsed = (Date.now() - started) / 1000;

  // Still alive and healthy?
  const diedDuringRun = died;
  let healthy = false;
  if (!died) {
    const h = await sendRaw(port, Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    healthy = h.status === 200;
  }
  const logs = gh.logs();
  await gh.stop();

  // After warm-up (the first 10% of requests): the first tenth of the samples against the last tenth.
  const warm = memory.filter((m) => m.at >= Math.min(TOTAL, sent) * 0.1 && Number.isFinite(m.rss));
  const tenth = Math.max(1, Math.ceil(warm.length / 10));
  const avg = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const baseline = avg(warm.slice(0, tenth).map((m) => m.rss));
  const end = avg(warm.slice(-tenth).map((m) => m.rss));
  const peak = Math.max(...warm.map((m) => m.rss));
  const heapStart = Math.min(...warm.slice(0, tenth).map((m) => m.heap));
  const heapEnd = Math.min(...warm.slice(-tenth).map((m) => m.heap));
  const heapPeak = Math.max(...warm.map((m) => m.heap).filter(Number.isFinite));
  const unexpected = logs.split('\n').filter((l) => /unexpected error|Unhandled|uncaught|FATAL|heap out of memory/i.test(l));

  console.log(`\nfuzz: ${sent} requests in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s), seed ${SEED}`);
  console.log(`  statuses: ${[...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  console.log(`  connections closed without a response (malformed HTTP): ${transportErrors}`);
  console.log(`  server RSS after warm-up: ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, at the end ${end.toFixed(0)} MB`);
  console.log(`  V8 heap in use after warm-up: ${heapStart.toFixed(0)} MB, peak ${heapPeak.toFixed(0)} MB, at the end ${heapEnd.toFixed(0)} MB (capped at ${HEAP_MB} MB)`);

  const problems = [...failures];
  if (diedDuringRun) problems.push(`the server died (exit code ${gh.process.exitCode}, signal ${gh.process.signalCode}); its last log lines:\n${logs.split('\n').slice(-15).join('\n')}`);
  else if (!healthy) problems.push('the server no longer answers /healthz');
  if (unexpected.length) problems.push(`${unexpected.length} unexpected errors logged, e.g. ${unexpected[0]!.slice(0, 500)}`);
  if (sent < TOTAL) problems.push(`only ${sent} of ${TOTAL} requests were sent before the time limit`);
  // Bounded memory: the end of the run may not sit far above the start (argon2's 19 MiB per hash is outside the heap).
  if (MEMORY_CHECK && !(end - baseline < 100)) problems.push(`resident memory grew from ${baseline.toFixed(0)} MB to ${end.toFixed(0)} MB`);
  if (MEMORY_CHECK && !(heapEnd - heapStart < 32)) problems.push(`the V8 heap in use grew from ${heapStart.toFixed(0)} MB to ${heapEnd.toFixed(0)} MB`);
  if (problems.length) {
    console.log(`\nFAIL:\n  ${problems.slice(0, 25).join('\n  ')}`);
    return 1;
  }
  console.log('\nPASS: no 5xx, no crash, no unexpected error, memory bounded');
  return 0;
}

function describe(r: FuzzRequest): string {
  const body = r.body ? r.body.subarray(0, 300).toString('latin1') : '';
  return `${r.method} ${r.target.slice(0, 300)} ${JSON.stringify(r.headers).slice(0, 400)} ${JSON.stringify(body)}`;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
