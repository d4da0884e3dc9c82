import { raceAbort } from './abort.ts';
import { GatehouseError } from './errors.ts';
import { getJson, type HttpOptions } from './http.ts';

/** The fields of the discovery document (RFC 8414 §2, OpenID Connect Discovery §3) the SDK uses. */
export interface DiscoveryDocument {
  issuer: string;
  token_endpoint: string;
  jwks_uri?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
  userinfo_endpoint?: string;
  grant_types_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  [field: string]: unknown;
}

/** Metadata changes rarely; an hour bounds how long a moved endpoint stays stale. */
const ttlMs = 60 * 60_000;
const documents = new Map<string, { document: DiscoveryDocument; expiresAt: number }>();
const inFlight = new Map<string, Promise<DiscoveryDocument>>();

export function normalizeIssuer(issuer: string): string {
  if (typeof issuer !== 'string' || !/^https?:\/\//i.test(issuer)) {
    throw new TypeError(`issuer must be an http(s) URL, got ${JSON.stringify(issuer)}`);
  }
  return issuer.replace(/\/+$/, '');
}

async function load(issuer: string, options: HttpOptions): Promise<DiscoveryDocument> {
  const url = `${issuer}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    body = await getJson(url, {}, options);
  } catch (error) {
    if (error instanceof GatehouseError && error.status !== undefined) {
      throw new GatehouseError('discovery_failed', `Discovery failed: ${error.message}`, { status: error.status, cause: error });
    }
    throw error; // network, timeout, aborted keep their code: they are what the caller needs to know
  }
  const document = body as Partial<DiscoveryDocument> | null;
  if (!document || typeof document.token_endpoint !== 'string') {
    throw new GatehouseError('discovery_failed', `${url} has no token_endpoint.`);
  }
  // RFC 8414 §3.3: the document must name the issuer it was fetched for, or an attacker could swap endpoints.
  if (typeof document.issuer !== 'string' || normalizeIssuer(document.issuer) !== issuer) {
    throw new GatehouseError('discovery_failed', `${url} names issuer ${JSON.stringify(document.issuer)}, expected ${JSON.stringify(issuer)}.`);
  }
  return document as DiscoveryDocument;
}

/** Fetches `{issuer}/.well-known/openid-configuration` once per hour per issuer; concurrent callers share one request. */
export async function discover(issuer: string, options: HttpOptions = {}): Promise<DiscoveryDocument> {
  const key = normalizeIssuer(issuer);
  const cached = documents.get(key);
  if (cached && cached.expiresAt > Date.now()) return cached.document;
  let pending = inFlight.get(key);
  if (!pending) {
    // The shared request must not die with the first caller's signal; each caller's wait is bounded by its own.
    pending = load(key, { ...options, signal: undefined }).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
    pending.then((document) => documents.set(key, { document, expiresAt: Date.now() + ttlMs }), () => {});
  }
  return raceAbort(pending, options.signal);
}

export function clearDiscoveryCache(): void {
  documents.clear();
}
