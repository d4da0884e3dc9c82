// The `gatehouse` command: `start` runs the server; other subcommands are admin and client tools.
import { ConfigError, loadConfig } from './config.ts';
import { startServer } from './server.ts';
import { COMMANDS_USAGE, runCommand } from './cli-commands.ts';
import { isClusterWorker, runPrimary } from './workers.ts';

const USAGE = `Usage: gatehouse <command> [options]

Commands:
  start [--port 8080] [--host 127.0.0.1] [--data-dir ./.gatehouse] [--database-url postgres://...] [--issuer URL] [--workers N]
        Run the token service. Every flag can also be set with a GATEHOUSE_* variable (docs/configuration.md).
  help  Show this text.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + COMMANDS_USAGE);
      return command === undefined ? 1 : 0;
    default: {
      const extra = await runCommand(command, rest);
      if (extra !== undefined) return extra;
      process.stderr.write(`gatehouse: unknown command "${command}"\n\n${USAGE}`);
      return 2;
    }
  }
}

async function start(args: string[]): Promise<number> {
  let config;
  try {
    config = loadConfig(args);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gatehouse: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (config.workers > 1 && !isClusterWorker()) {
    return runPrimary(config, args, (line) => void process.stderr.write(line + '\n'));
  }
  const t0 = performance.now();
  const server = await startServer(config);
  if (!isClusterWorker()) {
    process.stderr.write(`Gatehouse is ready at ${server.url} (${server.ctx.store.db.description}) in ${Math.round(performance.now() - t0)} ms\n`);
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`${signal} received: draining in-flight requests...\n`);
      server.close().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`gatehouse: shutdown failed: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
