// The one argv parser of both command lines: `gatehouse login | token | decode` here, and the server's admin
// commands (`gatehouse projects ...`), which import it from @gatehouse/client/cli. `--name value`, `--name=value`,
// boolean flags, positionals, and `--` before positionals that look like flags. Unknown or repeated flags, values
// missing or given to a boolean, and extra positionals are usage errors (exit code 2), never silently ignored.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface FlagSpec {
  readonly strings?: readonly string[];
  readonly booleans?: readonly string[];
  /** How many positionals the command takes (0 by default). */
  readonly positionals?: number;
}

export interface Args {
  readonly flags: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

export function parseArgs(argv: readonly string[], spec: FlagSpec = {}): Args {
  const strings = new Set(spec.strings ?? []);
  const booleans = new Set(spec.booleans ?? []);
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!strings.has(name) && !booleans.has(name)) {
      const known = [...strings, ...booleans].map((f) => `--${f}`).join(', ');
      throw new UsageError(`unknown flag --${name} (${known ? `this command takes ${known}` : 'this command takes none'})`);
    }
    if (flags.has(name)) throw new UsageError(`--${name} is given twice`);
    if (booleans.has(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  if (positionals.length > (spec.positionals ?? 0)) throw new UsageError(`unexpected argument "${positionals[spec.positionals ?? 0]!.slice(0, 80)}"`);
  return { flags, positionals };
}

export function str(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function bool(args: Args, name: string): boolean {
  return args.flags.get(name) === true;
}

/** A required value, from its flag or (when `position` is given) a positional argument. */
export function need(args: Args, name: string, position?: number): string {
  const v = str(args, name) ?? (position === undefined ? undefined : args.positionals[position]);
  if (v === undefined || v.trim() === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function int(args: Args, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v)) throw new UsageError(`--${name} must be a whole number, got "${v.slice(0, 40)}"`);
  return Number(v);
}

/** A comma- or space-separated list (`--scopes read,write`). */
export function list(args: Args, name: string): string[] | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  return [...new Set(v.split(/[\s,]+/).filter(Boolean))];
}
