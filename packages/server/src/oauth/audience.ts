// Which API(s) a token is for: `audience` (Auth0/Dataloy style) or `resource` (RFC 8707), never both.
// Unknown audiences are refused (invalid_target) rather than silently given a default token.
// Whether the principal may have a token for them is the session's question (session.ts).
import type { SigningAlg } from '../config.ts';
import type { Api } from '../store/apis.ts';
import type { OAuthServices } from './context.ts';
import { OAuthError, invalidRequest } from './errors.ts';
import type { Params } from './params.ts';

export interface Target {
  /** The `aud` of the token. */
  readonly audiences: readonly string[];
  /** The registered APIs among them (the management audience is built in and has no row). */
  readonly apis: readonly Api[];
  readonly lifetime: number;
  readonly alg: SigningAlg;
}

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export function requestedAudience(params: Params): string | undefined {
  const audience = params.get('audience');
  const resource = params.get('resource');
  if (audience !== undefined && resource !== undefined) throw invalidRequest('send either audience or resource, not both');
  const value = audience ?? resource;
  if (resource !== undefined) {
    // RFC 8707 §2: an absolute URI without a fragment.
    let ok = false;
    try {
      ok = new URL(resource).hash === '';
    } catch {
      ok = false;
    }
    if (!ok) throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment');
  }
  return value;
}

/**
 * The registered APIs among the audiences. An audience the client named must be registered (invalid_target
 * otherwise); the configured default audiences are the same APIs under the same rules, so one that is not
 * registered is left out of the token rather than issued unchecked.
 */
export async function resolveTarget(svc: OAuthServices, requested: readonly string[], named = true): Promise<Target> {
  const apis: Api[] = [];
  const audiences: string[] = [];
  for (const aud of requested) {
    if (aud === svc.config.managementAudience) {
      audiences.push(aud);
      continue;
    }
    const api = await svc.store.apis.findByIdentifier(aud);
    if (api) {
      apis.push(api);
      audiences.push(aud);
    } else if (named) throw new OAuthError('invalid_target', `unknown audience "${aud.slice(0, 200)}"`);
  }
  return targetOf(svc, audiences, apis);
}

/** A target for these audiences and their APIs: the shortest lifetime, one algorithm when they agree. */
export function targetOf(svc: OAuthServices, audiences: readonly string[], apis: readonly Api[]): Target {
  const lifetimes = apis.map((a) => a.tokenLifetime ?? svc.config.accessTokenLifetime);
  const algs = new Set(apis.map((a) => a.signingAlg ?? svc.config.signingAlg));
  return {
    audiences,
    apis,
    lifetime: lifetimes.length ? Math.min(...lifetimes) : svc.config.accessTokenLifetime,
    alg: algs.size === 1 ? [...algs][0]! : svc.config.signingAlg,
  };
}

/** Scopes granted = requested ∩ allowed; requesting something not allowed is invalid_scope (RFC 6749 §5.2). */
export function narrowScopes(requested: readonly string[] | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  const missing = requested.filter((s) => !allowed.includes(s));
  if (missing.length) throw new OAuthError('invalid_scope', `scope not allowed: ${missing.join(' ').slice(0, 200)}`);
  return [...requested];
}
