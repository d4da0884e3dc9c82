import { IssuerUnavailableError } from './errors.ts';
import { fetchJsonObject, type FetchLike } from './fetch-json.ts';

/** What the verifier takes from the issuer's metadata (RFC 8414 / OpenID Connect Discovery 1.0). */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Algorithms the issuer says it signs with; undefined when the document names none. */
  readonly signingAlgs: readonly string[] | undefined;
  readonly introspectionEndpoint: string;
  readonly revocationFeedEndpoint: string;
}

/**
 * Candidate metadata URLs, in order: OpenID Connect Discovery §4 appends to the issuer;
 * RFC 8414 §3.1 inserts the well-known segment between the host and the issuer's path.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

export async function discover(issuer: string, fetchImpl: FetchLike, timeoutMs: number): Promise<IssuerMetadata> {
  let lastError: unknown;
  for (const url of metadataUrls(issuer)) {
    try {
      return parseMetadata(await fetchJsonObject(fetchImpl, url, timeoutMs), issuer);
    } catch (error) {
      lastError = error;
    }
  }
  if (lastError instanceof IssuerUnavailableError) throw lastError;
  throw new IssuerUnavailableError('Issuer metadata unavailable.', { cause: lastError });
}

function parseMetadata(doc: Record<string, unknown>, issuer: string): IssuerMetadata {
  // RFC 8414 §3.3: the document's issuer must be identical to the one we asked about.
  if (doc.issuer !== issuer) throw new IssuerUnavailableError('Issuer metadata names a different issuer.');
  const jwksUri = httpUrl(doc.jwks_uri);
  if (!jwksUri) throw new IssuerUnavailableError('Issuer metadata has no usable jwks_uri.');
  const base = issuer.replace(/\/$/, '');
  return {
    issuer,
    jwksUri,
    signingAlgs: signingAlgs(doc),
    introspectionEndpoint: httpUrl(doc.introspection_endpoint) ?? `${base}/oauth/introspect`,
    revocationFeedEndpoint: httpUrl(doc.revocation_feed_endpoint) ?? `${base}/oauth/revocations`,
  };
}

/**
 * There is no registered metadata field for access-token algorithms: we read the one some servers add
 * (`access_token_signing_alg_values_supported`) and otherwise the OpenID one Gatehouse publishes.
 */
function signingAlgs(doc: Record<string, unknown>): readonly string[] | undefined {
  const list = Array.isArray(doc.access_token_signing_alg_values_supported)
    ? doc.access_token_signing_alg_values_supported
    : doc.id_token_signing_alg_values_supported;
  if (!Array.isArray(list)) return undefined;
  return list.filter((alg): alg is string => typeof alg === 'string');
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export interface MetadataSource {
  /** The metadata, fetched on first use; after a failure, refetched at most once per `retryMs`. */
  get(): Promise<IssuerMetadata>;
  /** Refetches (on a JWKS refresh); keeps the previous document if the issuer does not answer. */
  refresh(): Promise<IssuerMetadata>;
}

export function createMetadataSource(options: {
  readonly issuer: string;
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  readonly retryMs: number;
  readonly now: () => number;
  readonly onChange: (metadata: IssuerMetadata) => void;
}): MetadataSource {
  let current: IssuerMetadata | undefined;
  let inFlight: Promise<IssuerMetadata> | undefined;
  let failure: { at: number; error: unknown } | undefined;

  const load = (): Promise<IssuerMetadata> => {
    inFlight ??= discover(options.issuer, options.fetch, options.timeoutMs)
      .then((doc) => {
        current = doc;
        failure = undefined;
        options.onChange(doc);
        return doc;
      })
      .catch((error: unknown) => {
        failure = { at: options.now(), error };
        if (current) return current;
        throw error;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    get() {
      if (current) return Promise.resolve(current);
      if (failure && options.now() - failure.at < options.retryMs) return Promise.reject(failure.error);
      return load();
    },
    refresh: load,
  };
}
