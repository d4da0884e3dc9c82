/**
 * A stand-in issuer for tests: a real node:http server publishing discovery, a JWKS, the revocation
 * feed and introspection the way docs/http-surface.md describes Gatehouse, and counting every hit.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export type TestAlg = 'ES256' | 'EdDSA' | 'RS256' | 'PS256';

export interface TestKey {
  readonly kid: string;
  readonly alg: TestAlg;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface IssuerConfig {
  /** Serve `/.well-known/openid-configuration` (default true). */
  oidcDiscovery?: boolean;
  /** Serve `/.well-known/oauth-authorization-server` (default true). */
  oauthDiscovery?: boolean;
  /** `id_token_signing_alg_values_supported` (default ['ES256']). */
  signingAlgs?: string[];
  /** Revocation feed page size (default: everything in one page). */
  feedPageSize?: number;
  /** Introspection client credentials accepted (default bot@example / ghb_secret). */
  introspectionClient?: { id: string; secret: string };
}

export interface TestIssuer {
  readonly url: string;
  readonly config: IssuerConfig;
  /** Hits per path, e.g. hits('/.well-known/jwks.json'). */
  hits(path: string): number;
  /** Every request URL (path and query) received, in order. */
  readonly log: string[];
  addKey(alg?: TestAlg, kid?: string): Promise<TestKey>;
  /** Which keys the JWKS lists (in order); default: every key added. */
  publish(keys: readonly TestKey[]): void;
  /** Overrides the JWKS document entirely. */
  setJwks(doc: unknown): void;
  claims(overrides?: Record<string, unknown>): Record<string, unknown>;
  sign(overrides?: Record<string, unknown>, options?: { key?: TestKey; header?: Record<string, unknown> }): Promise<string>;
  revoke(jti: string, exp: number): void;
  /** Every token of `sub` issued before `iatBefore` (seconds), as Gatehouse does on bot secret rotation. */
  revokeSubject(sub: string, iatBefore: number, exp: number): void;
  close(): Promise<void>;
}

export const AUDIENCE = 'https://api.example';
export const INTROSPECTION_CLIENT = { id: 'bot@example', secret: 'ghb_secret' };

export async function startIssuer(config: IssuerConfig = {}): Promise<TestIssuer> {
  const counts = new Map<string, number>();
  const log: string[] = [];
  const keys: TestKey[] = [];
  let published: readonly TestKey[] | undefined;
  let jwksOverride: unknown;
  const revocations: Array<{ seq: number; jti?: string; sub?: string; iat_before?: number; exp: number }> = [];
  let url = '';

  const server = createServer((req, res) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', url);
    counts.set(pathname, (counts.get(pathname) ?? 0) + 1);
    log.push(req.url ?? '/');
    const discovery = {
      issuer: url,
      token_endpoint: `${url}/oauth/token`,
      jwks_uri: `${url}/.well-known/jwks.json`,
      introspection_endpoint: `${url}/oauth/introspect`,
      revocation_endpoint: `${url}/oauth/revoke`,
      revocation_feed_endpoint: `${url}/oauth/revocations`,
      id_token_signing_alg_values_supported: config.signingAlgs ?? ['ES256'],
      response_types_supported: [],
      subject_types_supported: ['public'],
    };
    if (pathname === '/.well-known/openid-configuration' && config.oidcDiscovery !== false) return json(res, discovery);
    if (pathname === '/.well-known/oauth-authorization-server' && config.oauthDiscovery !== false) return json(res, discovery);
    if (pathname === '/.well-known/jwks.json') {
      return json(res, jwksOverride ?? { keys: (published ?? keys).map((k) => k.publicJwk) });
    }
    if (pathname === '/oauth/revocations') {
      const since = Number(searchParams.get('since') ?? 0);
      const fresh = revocations.filter((r) => r.seq > since).slice(0, config.feedPageSize ?? Infinity);
      const cursor = String(fresh.at(-1)?.seq ?? since);
      return json(res, {
        revoked: fresh.filter((r) => r.jti).map(({ jti, exp }) => ({ jti, exp })),
        subjects: fresh.filter((r) => r.sub).map(({ sub, iat_before, exp }) => ({ sub, iat_before, exp })),
        cursor,
      });
    }
    if (pathname === '/oauth/introspect' && req.method === 'POST') return introspect(req, res);
    res.writeHead(404).end();
  });

  const introspect = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const client = config.introspectionClient ?? INTROSPECTION_CLIENT;
    const expected = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return json(res, { error: 'invalid_client' }, 401);
    const token = new URLSearchParams(body).get('token') ?? '';
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}');
    const active = !revocations.some((r) => r.jti === payload.jti || (r.sub === payload.sub && payload.iat < (r.iat_before ?? 0)))
      && payload.exp > Date.now() / 1000;
    json(res, active ? { active, ...payload } : { active });
  };

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const issuer: TestIssuer = {
    url,
    config,
    hits: (path) => counts.get(path) ?? 0,
    log,
    async addKey(alg = 'ES256', kid = randomUUID()) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const key = { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
      keys.push(key);
      return key;
    },
    publish(list) {
      published = list;
    },
    setJwks(doc) {
      jwksOverride = doc;
    },
    claims(overrides = {}) {
      const now = Math.floor(Date.now() / 1000);
      return {
        iss: url, sub: 'user-1', aud: AUDIENCE, iat: now, exp: now + 3600, jti: randomUUID(),
        client_id: 'gatehouse-public', scope: 'datasets:read', ...overrides,
      };
    },
    async sign(overrides = {}, options = {}) {
      const key = options.key ?? keys[0];
      if (!key) throw new Error('test issuer: add a key first');
      const claims = Object.fromEntries(Object.entries(issuer.claims(overrides)).filter(([, v]) => v !== undefined));
      const header = Object.fromEntries(
        Object.entries({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...options.header }).filter(([, v]) => v !== undefined),
      );
      return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
    },
    revoke(jti, exp) {
      revocations.push({ seq: revocations.length + 1, jti, exp });
    },
    revokeSubject(sub, iatBefore, exp) {
      revocations.push({ seq: revocations.length + 1, sub, iat_before: iatBefore, exp });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return issuer;
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
