// Runs one admin command: picks the backend (the store with --data-dir or --database-url, otherwise a running
// server over HTTP), runs it, and maps failures to clear messages and exit codes (1 refused or failed, 2 usage).
import { ConfigError, loadAdminCliConfig, loadConfig } from '../config.ts';
import { type Args, CliError, UsageError, parseArgs, str } from './args.ts';
import type { AdminBackend } from './backend.ts';
import { ADMIN_COMMANDS, adminUsage } from './commands.ts';
import type { Io } from './output.ts';
import { RemoteBackend } from './remote.ts';
import { DomainError } from '../domain/errors.ts';

/** The saved session of `gatehouse login` for this server, if there is one (refreshed when needed). */
async function savedToken(url: string, io: Io): Promise<string | undefined> {
  const { runClientCli } = await import('@gatehouse/client/cli');
  let out = '';
  const code = await runClientCli(['token', '--issuer', url], { stdout: (t) => (out += t), stderr: () => undefined, env: io.env });
  return code === 0 && out.trim() ? out.trim() : undefined;
}

async function openBackend(args: Args, io: Io): Promise<AdminBackend> {
  const dataDir = str(args, 'data-dir');
  const databaseUrl = str(args, 'database-url');
  if (dataDir !== undefined || databaseUrl !== undefined) {
    if (str(args, 'url') !== undefined || str(args, 'token') !== undefined) throw new UsageError('--url/--token talk to a running server; --data-dir/--database-url work on the store. Use one or the other.');
    const argv = [...(dataDir !== undefined ? ['--data-dir', dataDir] : []), ...(databaseUrl !== undefined ? ['--database-url', databaseUrl] : [])];
    const issuer = str(args, 'issuer');
    if (issuer !== undefined) argv.push('--issuer', issuer);
    let config;
    try {
      config = loadConfig(argv, { ...io.env, GATEHOUSE_LOG_LEVEL: 'silent' });
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const { OfflineBackend } = await import('./offline.ts');
    return OfflineBackend.open(config);
  }
  const { url, token: given } = loadAdminCliConfig({ url: str(args, 'url'), token: str(args, 'token') }, io.env);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url must be a URL, got "${url.slice(0, 80)}"`);
  }
  const token = given ?? (await savedToken(url.replace(/\/+$/, ''), io));
  if (!token) {
    throw new CliError(`no token for ${url}: pass --token, set GATEHOUSE_TOKEN, or run gatehouse login --issuer ${url} first. With the server down, use --data-dir.`);
  }
  return new RemoteBackend(url, token);
}

export async function runAdmin(group: string, argv: readonly string[], io: Io): Promise<number> {
  const subs = ADMIN_COMMANDS[group]!;
  const [name, ...rest] = argv;
  // Nested groups (`apis access add`) are their own entry in the table.
  if (name !== undefined && !Object.hasOwn(subs, name) && Object.hasOwn(ADMIN_COMMANDS, `${group} ${name}`)) return runAdmin(`${group} ${name}`, rest, io);
  const sub = name === undefined ? undefined : subs[name];
  if (!sub || rest.includes('--help') || rest.includes('-h')) {
    const wanted = sub ? [sub] : Object.values(subs);
    const text = `Usage:\n${wanted.map((s) => `  gatehouse ${s.usage}`).join('\n')}\n\n${adminUsage().split('\n\n').slice(1).join('\n\n')}`;
    if (sub || name === '--help' || name === '-h') {
      io.out(text);
      return 0;
    }
    io.err(`${name === undefined ? `gatehouse ${group}: which one?` : `gatehouse ${group}: unknown subcommand "${name}"`}\n\n${text}`);
    return 2;
  }
  let backend: AdminBackend | undefined;
  try {
    const args = parseArgs(rest, sub.flags);
    backend = await openBackend(args, io);
    await sub.run(backend, args, io);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`gatehouse ${group} ${name}: ${err.message}\nUsage: gatehouse ${sub.usage}\n`);
      return 2;
    }
    // Refused by Gatehouse (a CliError, or the domain's own error from the offline backend): exit code 1.
    if (err instanceof CliError || err instanceof DomainError) {
      io.err(`gatehouse ${group} ${name}: ${err.message}\n`);
      return 1;
    }
    io.err(`gatehouse ${group} ${name}: ${(err as Error)?.message ?? String(err)}\n`);
    return 1;
  } finally {
    await backend?.close().catch(() => undefined);
  }
}
