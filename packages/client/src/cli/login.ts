import { GatehouseError } from '../errors.ts';
import type { HttpOptions } from '../http.ts';
import { normalizeIssuer } from '../discovery.ts';
import { requestToken } from '../token-endpoint.ts';
import { CLI_CLIENT_ID, loginInBrowser, loginWithDevice } from '../providers/interactive-login.ts';
import { decodeJwt } from '../jwt.ts';

/** The platform's opener; the URL is printed as well, for machines without one. */
async function defaultBrowser(url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
import { parseArgs, str, UsageError } from './args.ts';
import { configDir, credentialsPath, readCredentials, writeCredentials, type Session } from './credentials-file.ts';
import type { CliIo } from './io.ts';
import { expiryInWords } from './words.ts';

export const loginUsage = `Usage:
  gatehouse login --issuer URL [--audience AUD] [--scope "a b"]            (opens the browser: sign in there)
  gatehouse login --issuer URL --device [--audience AUD] [--scope "a b"]   (no browser here: a code to enter elsewhere)
  gatehouse login --issuer URL --username EMAIL [--password PW] [--audience AUD] [--scope "a b"]
  gatehouse login --issuer URL --client-id ID [--client-secret SECRET] --audience AUD [--scope "a b"]
The password (or client secret) is read from GATEHOUSE_PASSWORD (GATEHOUSE_CLIENT_SECRET), else from stdin.
Only tokens are saved, never the password or secret.
`;

async function secret(io: CliIo, given: string | undefined, envName: string, what: string): Promise<string> {
  // From stdin, `echo "$PW" |` adds one newline that is not part of the secret.
  const value = given ?? io.env[envName] ?? (await io.readSecret(`${what}: `)).replace(/\r?\n$/, '');
  if (!value) throw new UsageError(`no ${what.toLowerCase()}: pass it in ${envName} or on stdin`);
  return value;
}

export async function login(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { strings: ['issuer', 'username', 'password', 'client-id', 'client-secret', 'audience', 'scope'], booleans: ['device'] });
  const issuerFlag = str(args, 'issuer') ?? io.env['GATEHOUSE_ISSUER'];
  if (!issuerFlag) throw new UsageError('--issuer is required (or set GATEHOUSE_ISSUER)');
  const issuer = normalizeIssuer(issuerFlag);
  const username = str(args, 'username');
  const clientId = str(args, 'client-id');
  const audience = str(args, 'audience');
  const scope = str(args, 'scope');
  const device = args.flags.get('device') === true;
  if (username && clientId) throw new UsageError('give either --username or --client-id');
  if (device && (username || clientId)) throw new UsageError('--device logs a person in without a password; leave out --username and --client-id');
  const http: HttpOptions = io.fetch ? { fetch: io.fetch } : {};

  let session: Session;
  if (!username && !clientId) {
    // A person, through the browser (authorization code + PKCE on a loopback redirect) or the device grant.
    const common = { issuer, ...(audience ? { audience } : {}), ...(scope ? { scope } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) };
    const token = device
      ? await loginWithDevice({
          ...common,
          onCode: (c) => io.stderr(`To log in, open ${c.verificationUri} and enter the code ${c.userCode}\n(or open ${c.verificationUriComplete ?? c.verificationUri}). Waiting...\n`),
        })
      : await loginInBrowser({
          ...common,
          openBrowser: async (url) => {
            io.stderr(`Opening the browser to log in. If it does not open, visit:\n  ${url}\n`);
            await (io.openBrowser ?? ((u: string) => defaultBrowser(u)))(url);
          },
        });
    const subject = token.idToken ? String(decodeJwt(token.idToken).email ?? decodeJwt(token.idToken).sub ?? 'you') : 'you';
    session = { ...token, issuer, grant: device ? 'device_code' : 'authorization_code', clientId: CLI_CLIENT_ID, subject, ...(audience ? { audience } : {}) };
  } else if (username) {
    const password = await secret(io, str(args, 'password'), 'GATEHOUSE_PASSWORD', 'Password');
    const token = await requestToken({ issuer }, { grant_type: 'password', username, password, scope, audience }, undefined, http);
    session = { ...token, issuer, grant: 'password', subject: username, ...(audience ? { audience } : {}) };
  } else {
    if (!audience) throw new UsageError('--audience is required with --client-id');
    const clientSecret = await secret(io, str(args, 'client-secret'), 'GATEHOUSE_CLIENT_SECRET', 'Client secret');
    const token = await requestToken(
      { issuer },
      { grant_type: 'client_credentials', audience, scope },
      { clientId: clientId!, clientSecret, method: 'client_secret_basic' },
      http,
    );
    session = { ...token, issuer, grant: 'client_credentials', subject: clientId!, audience };
  }
  if (session.idToken) delete session.idToken; // nothing reads it later; keep the file to what is needed

  const path = credentialsPath(io.env);
  const { file } = await readCredentials(path);
  file.sessions[issuer] = session;
  file.current = issuer;
  await writeCredentials(path, configDir(io.env), file);
  const renewal = session.refreshToken
    ? '`gatehouse token` refreshes it as needed.'
    : 'client credentials are not saved, so run login again when it expires.';
  io.stderr(`Logged in to ${issuer} as ${session.subject}; the token ${expiryInWords(session.expiresAt)}; ${renewal}\nSaved to ${path}\n`);
  return 0;
}

export function describeLoginError(error: GatehouseError): string {
  if (error.code === 'invalid_grant') return 'Login failed: wrong email or password.';
  if (error.code === 'invalid_client') return 'Login failed: wrong client id or secret.';
  return `Login failed: ${error.message}`;
}
