import { GatehouseError } from '../errors.ts';
import { normalizeIssuer } from '../discovery.ts';
import { defaultPolicy, refreshAt } from '../policy.ts';
import { requestToken } from '../token-endpoint.ts';
import { parseArgs, str } from './args.ts';
import { configDir, credentialsPath, readCredentials, withLock, writeCredentials, type Session } from './credentials-file.ts';
import type { CliIo } from './io.ts';

export const tokenUsage = `Usage:
  gatehouse token [--issuer URL]
Prints a valid access token for the last (or the given) issuer logged in to, refreshing it when needed:
  curl -H "Authorization: Bearer $(gatehouse token)" https://api.example/v1/datasets
`;

const fresh = (session: Session): boolean => Date.now() < refreshAt(session, defaultPolicy);

export async function token(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { strings: ['issuer'] });
  const path = credentialsPath(io.env);
  const dir = configDir(io.env);
  const { file, warning } = await readCredentials(path);
  if (warning) io.stderr(`Warning: ${warning}\n`);
  const given = str(args, 'issuer') ?? io.env['GATEHOUSE_ISSUER'];
  const issuer = given ? normalizeIssuer(given) : file.current;
  const saved = issuer ? file.sessions[issuer] : undefined;
  if (!issuer || !saved) {
    io.stderr(`Not logged in${issuer ? ` to ${issuer}` : ''}. Run: gatehouse login --issuer ${issuer ?? 'URL'} --username EMAIL\n`);
    return 1;
  }
  if (fresh(saved)) {
    io.stdout(`${saved.accessToken}\n`);
    return 0;
  }
  if (!saved.refreshToken) {
    if (Date.now() < saved.expiresAt - defaultPolicy.clockSkewMs) {
      io.stdout(`${saved.accessToken}\n`);
      return 0;
    }
    io.stderr(`The saved token for ${issuer} has expired and cannot be refreshed (client credentials are not saved). Run gatehouse login again.\n`);
    return 1;
  }

  try {
    const session = await withLock(path, dir, async () => {
      // Another process may have refreshed while we waited for the lock: use its result, do not replay.
      const latest = (await readCredentials(path)).file;
      const current = latest.sessions[issuer];
      if (!current?.refreshToken) throw new GatehouseError('not_logged_in', `Not logged in to ${issuer}.`);
      if (fresh(current)) return current;
      const next = await requestToken(
        { issuer },
        { grant_type: 'refresh_token', refresh_token: current.refreshToken, client_id: current.clientId },
        undefined,
        io.fetch ? { fetch: io.fetch } : {},
      );
      const { idToken: _unused, ...rest } = next;
      const updated: Session = { ...current, ...rest, refreshToken: next.refreshToken ?? current.refreshToken };
      latest.sessions[issuer] = updated;
      await writeCredentials(path, dir, latest);
      return updated;
    });
    io.stdout(`${session.accessToken}\n`);
    return 0;
  } catch (error) {
    if (error instanceof GatehouseError && (error.code === 'invalid_grant' || error.code === 'not_logged_in')) {
      io.stderr(`Your session with ${issuer} has expired or was revoked. Run gatehouse login again.\n`);
      return 1;
    }
    throw error;
  }
}
