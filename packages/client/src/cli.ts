// `gatehouse login | token | decode`: the client half of the CLI. The server's `gatehouse` bin dispatches here.
import { UsageError } from './cli/args.ts';
import { decode, decodeUsage } from './cli/decode.ts';
import { defaultIo, type CliIo } from './cli/io.ts';
import { describeLoginError, login, loginUsage } from './cli/login.ts';
import { token, tokenUsage } from './cli/token.ts';
import { GatehouseError } from './errors.ts';

export type { CliIo } from './cli/io.ts';
// The argv parser, shared with the server's admin commands (one parser for both command lines).
export { UsageError, bool, int, list, need, parseArgs, str } from './cli/args.ts';
export type { Args, FlagSpec } from './cli/args.ts';

const commands: Record<string, { run: (argv: string[], io: CliIo) => Promise<number>; usage: string }> = {
  login: { run: login, usage: loginUsage },
  token: { run: token, usage: tokenUsage },
  decode: { run: decode, usage: decodeUsage },
};

export const clientCommands: readonly string[] = Object.keys(commands);

/**
 * Runs one client command; `argv` starts with the command name (`['token']`). Resolves to the exit code:
 * 0 success, 1 failure (not logged in, refused, unreachable), 2 wrong usage. Never calls process.exit.
 */
export async function runClientCli(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { ...defaultIo(), ...io };
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    full.stderr(`${name === undefined ? '' : `Unknown command ${name}.\n`}${Object.values(commands).map((c) => c.usage).join('\n')}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    full.stdout(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, full);
  } catch (error) {
    if (error instanceof UsageError) {
      full.stderr(`${error.message}\n\n${command.usage}`);
      return 2;
    }
    if (error instanceof GatehouseError) {
      full.stderr(`${name === 'login' ? describeLoginError(error) : `Error (${error.code}): ${error.message}`}\n`);
      return 1;
    }
    if (error instanceof TypeError && /issuer/.test(error.message)) {
      full.stderr(`${error.message}\n`);
      return 2;
    }
    full.stderr(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
