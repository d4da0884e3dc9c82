// Starting the client_credentials contenders that are not Gatehouse (bench/contenders/*.ts), configured with the
// Gatehouse bot's credentials so every contender gets the same request, and timing a server to its first token.
// Shared by the full run (bench/run.ts) and the quick A/B tool (bench/probe.ts).
import { fileURLToPath } from 'node:url';
import { freePort, spawnServer, waitFor, type Server } from './proc.ts';
import { RESOURCE, SCOPES, type Setup } from './gatehouse.ts';

export type MinimalKey = 'oidc-provider' | 'limit' | 'limit-fastify' | 'limit-fast' | 'trivial' | 'trivial-fastify';

/** Spawns `bench/contenders/<key>.ts` on a free port, pinned to `cores`, serving the bot of `setup`. */
export async function startContender(key: MinimalKey, setup: Setup, cores: string | undefined, logFile: string): Promise<Server> {
  const port = await freePort();
  return spawnServer({
    name: key,
    cores,
    args: [fileURLToPath(new URL(`../contenders/${key}.ts`, import.meta.url))],
    env: { PORT: String(port), BENCH_CLIENT_ID: setup.clientId, BENCH_CLIENT_SECRET: setup.clientSecret, BENCH_RESOURCE: RESOURCE, BENCH_SCOPES: SCOPES.join(' '), NODE_ENV: 'production' },
    url: `http://127.0.0.1:${port}`,
    logFile,
  });
}

/** Milliseconds from spawning the process to the first 200 from its token endpoint. */
export async function firstToken(s: Server, req: { headers: Record<string, string>; body: string }): Promise<number> {
  await waitFor(`${s.name} first token (${s.stderr().slice(-1000)})`, async () => {
    if (s.child.exitCode !== null) throw new Error(`${s.name} exited: ${s.stderr()}`);
    return (await fetch(`${s.url}/oauth/token`, { method: 'POST', headers: req.headers, body: req.body })).status === 200;
  }, 30_000, 2);
  return performance.now() - s.spawnedAt;
}
