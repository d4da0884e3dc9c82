// `gatehouse start --workers N`: node:cluster workers sharing one port, so all of a machine's cores serve.
// The primary does the one-time work (migrations, first admin, keys) before forking, so workers never race
// on it, and it forwards SIGTERM/SIGINT so every worker drains before the primary exits.
import cluster from 'node:cluster';
import type { Config } from './config.ts';
import { resolvePort } from './listen-port.ts';
import { ensureAdmin, openServices } from './services.ts';

/** Runs in the primary: prepares the store, forks the workers, prints when all listen. Resolves with the exit code. */
export async function runPrimary(initial: Config, args: readonly string[], print: (line: string) => void): Promise<number> {
  const t0 = performance.now();
  const { config, port } = await resolvePort(initial);
  const { store, generatedKey } = await openServices(config);
  if (generatedKey) print(`warning: GATEHOUSE_SECRET_KEY is not set; generated one into ${config.dataDir}/secret.key.`);
  await ensureAdmin(config, store, print);
  const description = store.db.description;
  await store.close();

  cluster.setupPrimary({ args: ['start', ...args, '--port', String(port), '--issuer', config.issuer, '--workers', '1'] });
  let listening = 0;
  let stopping = false;
  return new Promise<number>((resolve) => {
    const fork = () => {
      const w = cluster.fork({ GATEHOUSE_CLUSTER_WORKER: '1' });
      w.once('listening', () => {
        if (++listening === config.workers) {
          print(`Gatehouse is ready at ${config.issuer} (${description}, ${config.workers} workers) in ${Math.round(performance.now() - t0)} ms`);
        }
      });
    };
    for (let i = 0; i < config.workers; i++) fork();
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(0);
        return;
      }
      print(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
      listening--;
      fork();
    });
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      print(`${signal} received: draining ${config.workers} workers...`);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve(0);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}
