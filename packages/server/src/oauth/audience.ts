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

/** What is wrong with the audience/resource pair of a request, if anything: the error and its description. */
export function audienceProblem(audience: string | undefined, resource: string | undefined): { error: 'invalid_request' | 'invalid_target'; description: string } | undefined {
  if (audience !== undefined && resource !== undefined) return { error: 'invalid_request', description: 'send either audience or resource, not both' };
  if (resource !== undefined && !isResourceIndicator(resource)) return { error: 'invalid_target', description: 'resource must be an absolute URI without a fragment' };
  return undefined;
}

/** RFC 8707 §2: a resource indicator is an absolute URI without a fragment. */
function isResourceIndicator(value: string): boolean {
  try {
    return new URL(value).hash === '';
  } catch {
    return false;
  }
}

export function requestedAudience(params: Params): string | undefined {
  const audience = params.get('audience');
  const resource = params.get('resource');
  const problem = audienceProblem(audience, resource);
  if (problem) throw problem.error === 'invalid_request' ? invalidRequest(problem.description) : new OAuthError(problem.error, problem.description);
  return audience ?? resource;
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
