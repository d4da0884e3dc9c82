// Subcommands besides `start`. Returns undefined for a command it does not know.
// - login, token, decode: the client half of the CLI (@gatehouse/client).
// - projects, bots, apis, keys, users: admin tasks against a running server, or the store with --data-dir.
import { ADMIN_COMMANDS, adminUsage } from './cli/commands.ts';
import type { Io } from './cli/output.ts';
import { runAdmin } from './cli/run.ts';

const CLIENT_COMMANDS = ['login', 'token', 'decode'];

/** Usage of these subcommands, for `gatehouse help`. */
export const COMMANDS_USAGE = `${adminUsage()}
Client commands:
  gatehouse login --issuer URL [--device | --username EMAIL | --client-id ID --audience AUD]   Log in (in the browser by default), save the session
  gatehouse token [--issuer URL]                  Print a valid access token
  gatehouse decode TOKEN                          Show a JWT's header and claims
`;

function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    env: process.env,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

export async function runCommand(command: string, args: string[], io: Io = processIo()): Promise<number | undefined> {
  if (CLIENT_COMMANDS.includes(command)) {
    const { runClientCli } = await import('@gatehouse/client/cli');
    return runClientCli([command, ...args], { stdout: io.out, stderr: io.err, env: io.env });
  }
  if (Object.hasOwn(ADMIN_COMMANDS, command)) return runAdmin(command, args, io);
  return undefined;
}
