// Per-call overhead of the SDK on a warm cache: what a service pays on every request for "get a valid token"
// and "fetch with a bearer token", with no network (the token is cached and the wrapped fetch is a no-op).
//   npx node bench/client/overhead.ts [--seconds 2]
import { cachedProvider, createAuthFetch, memoryStore, type Token } from '@gatehouse/client';

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg === -1 ? 2 : Number(process.argv[secondsArg + 1]);

const token: Token = { accessToken: 'x'.repeat(600), tokenType: 'Bearer', issuedAt: Date.now(), expiresAt: Date.now() + 86_400_000 };
const provider = cachedProvider('bench', async () => token, { cache: memoryStore() });
await provider.getToken(); // warm

const ok = new Response(null, { status: 200 });
const noopFetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  new Headers(init?.headers); // what a real fetch does with the headers at least
  return ok;
};
const authFetch = createAuthFetch(provider, { fetch: noopFetch });
const url = 'https://api.example/v1/datasets';

async function measure(name: string, fn: () => Promise<unknown>): Promise<{ name: string; ops: number; ns: number }> {
  for (let i = 0; i < 50_000; i++) await fn(); // let the JIT settle
  const rounds: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const n = 20_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    rounds.push(Number(process.hrtime.bigint() - start) / n);
  }
  rounds.sort((a, b) => a - b);
  const ns = rounds[Math.floor(rounds.length / 2)]!; // median round: robust to GC pauses
  return { name, ops: Math.round(1e9 / ns), ns: Math.round(ns) };
}

const results = [
  await measure('provider.getToken() (warm)', () => provider.getToken()),
  await measure('baseline: no-op fetch(url, {headers})', () => noopFetch(url, { headers: { authorization: `Bearer ${token.accessToken}` } })),
  await measure('authFetch(url) over the no-op fetch (warm)', () => authFetch(url)),
];
console.log(`node ${process.version}, ${seconds}s per case, median of 20k-call rounds`);
for (const r of results) console.log(`${r.name.padEnd(46)} ${r.ops.toLocaleString('en-US').padStart(12)} ops/s ${String(r.ns).padStart(7)} ns/call`);
const base = results[1]!.ns;
console.log(`authFetch overhead over the bare fetch call: ${results[2]!.ns - base} ns/call`);
