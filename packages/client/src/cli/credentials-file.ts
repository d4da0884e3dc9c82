// The CLI's saved session: tokens only, never a password or a client secret. One file, mode 0600, in a 0700 dir.
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Token } from '../token.ts';

export interface Session extends Token {
  issuer: string;
  /** How the session was made: a password login, a browser or device login (refreshable) or client credentials (not). */
  grant: 'password' | 'client_credentials' | 'authorization_code' | 'device_code';
  /** The public client a browser or device login's refresh token belongs to (sent again when refreshing). */
  clientId?: string;
  /** The username, or the client id for client credentials. */
  subject: string;
  audience?: string;
}

export interface CredentialsFile {
  version: 1;
  /** The issuer `gatehouse token` uses when none is given: the last one logged in to. */
  current?: string;
  sessions: Record<string, Session>;
}

export function configDir(env: Record<string, string | undefined>): string {
  if (env['XDG_CONFIG_HOME']) return join(env['XDG_CONFIG_HOME'], 'gatehouse');
  if (process.platform === 'win32' && env['APPDATA']) return join(env['APPDATA'], 'gatehouse');
  return join(env['HOME'] || homedir(), '.config', 'gatehouse');
}

export function credentialsPath(env: Record<string, string | undefined>): string {
  return join(configDir(env), 'credentials.json');
}

export interface ReadResult {
  file: CredentialsFile;
  /** Set when the file can be read by others (it holds refresh tokens). */
  warning?: string;
}

export async function readCredentials(path: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file: { version: 1, sessions: {} } };
    throw error;
  }
  const result: ReadResult = { file: { version: 1, sessions: {} } };
  const parsed = JSON.parse(text) as Partial<CredentialsFile>;
  if (parsed && typeof parsed === 'object' && parsed.sessions && typeof parsed.sessions === 'object') {
    result.file = { version: 1, sessions: parsed.sessions, ...(parsed.current ? { current: parsed.current } : {}) };
  }
  if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
    result.warning = `${path} is readable by other users; run: chmod 600 ${path}`;
  }
  return result;
}

/** Atomic replace: write a private temporary file, then rename it over the old one. */
export async function writeCredentials(path: string, dir: string, file: CredentialsFile): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') await chmod(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
  } finally {
    await handle.close();
  }
  if (process.platform !== 'win32') await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/**
 * Runs `fn` holding an exclusive lock file, so two `gatehouse token` processes never refresh at once: with
 * rotation the second would replay a spent refresh token and the server would revoke the whole session.
 */
export async function withLock<T>(path: string, dir: string, fn: () => Promise<T>, staleMs = 30_000): Promise<T> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = `${path}.lock`;
  for (let waited = 0; ; waited += 50) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > staleMs) await rm(lock, { force: true }); // a crashed holder
      else if (waited > staleMs) throw new Error(`${lock} is held by another process`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
