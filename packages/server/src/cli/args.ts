// Argument parsing for the admin subcommands: the client CLI's parser (one for both command lines), with the
// flags every admin command takes.
import { type Args, type FlagSpec, parseArgs as parseFlags } from '@gatehouse/client/cli';

export { type Args, type FlagSpec, UsageError, bool, int, list, need, str } from '@gatehouse/client/cli';

/** A refusal or failure the user should read (exit code 1). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Flags every admin command understands: where to send the command, and how to print the result. */
const CONNECTION_FLAGS: FlagSpec = {
  strings: ['url', 'token', 'data-dir', 'database-url', 'issuer'],
  booleans: ['json'],
};

export function parseArgs(argv: readonly string[], spec: FlagSpec): Args {
  return parseFlags(argv, {
    strings: [...(spec.strings ?? []), ...(CONNECTION_FLAGS.strings ?? [])],
    booleans: [...(spec.booleans ?? []), ...(CONNECTION_FLAGS.booleans ?? [])],
    positionals: spec.positionals,
  });
}
