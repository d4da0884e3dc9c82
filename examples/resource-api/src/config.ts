/** The example API's configuration: the one place that reads the environment. */
export interface Config {
  readonly issuer: string;
  readonly audience: string;
  readonly port: number;
  readonly host: string;
  /** Revocation feed poll interval; 0 turns polling off. */
  readonly revocationPollMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const issuer = env.GATEHOUSE_ISSUER?.trim();
  if (!issuer) {
    throw new ConfigError('GATEHOUSE_ISSUER is required: the URL your Gatehouse runs at, e.g. GATEHOUSE_ISSUER=http://127.0.0.1:8080');
  }
  if (!/^https?:\/\/[^/]/.test(issuer)) throw new ConfigError(`GATEHOUSE_ISSUER must be an http(s) URL, got ${JSON.stringify(issuer)}`);
  const port = Number(env.PORT ?? 8081);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
  const revocationPollMs = Number(env.REVOCATION_POLL_MS ?? 5000);
  if (!Number.isFinite(revocationPollMs) || revocationPollMs < 0) throw new ConfigError('REVOCATION_POLL_MS must be a non-negative number');
  return Object.freeze({
    issuer,
    audience: env.AUDIENCE?.trim() || 'https://api.example',
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    revocationPollMs,
  });
}
