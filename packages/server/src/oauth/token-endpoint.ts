// POST /oauth/token as a short pipeline of named steps, each testable alone.
import { authenticateClient, type Client } from './client-auth.ts';
import type { OAuthServices } from './context.ts';
import { OAuthError, invalidRequest } from './errors.ts';
import { GRANTS } from './grants/index.ts';
import type { GrantHandler, TokenResponse } from './grants/types.ts';
import { type Params, readParams } from './params.ts';
import type { BuiltinPublicClientId } from './refresh-policy.ts';

export interface TokenRequest {
  readonly body: unknown;
  readonly authorization: string | undefined;
  readonly ip: string;
  /** The built-in public client of a request that names none (default: /oauth/token's own). */
  readonly publicClient?: BuiltinPublicClientId;
}

export function selectGrant(params: Params): GrantHandler {
  const type = params.get('grant_type');
  if (type === undefined) throw invalidRequest('missing required parameter "grant_type"');
  const grant = GRANTS.get(type);
  if (!grant) throw new OAuthError('unsupported_grant_type', `grant_type "${type.slice(0, 60)}" is not supported`);
  return grant;
}

export function checkGrantAllowed(grant: GrantHandler, client: Client): void {
  if (client.kind === 'public' && !grant.allowPublicClient) {
    throw new OAuthError('invalid_client', `${grant.grantType} needs client authentication`);
  }
  // A registered client uses only the grants it was registered with.
  if (client.kind === 'oauth' && !client.oauthClient.grantTypes.includes(grant.grantType)) {
    throw new OAuthError('unauthorized_client', `this client may not use ${grant.grantType}`);
  }
}

/** Keeps only what the grant reads (node-oidc-provider's "strip parameters the grant does not use"). */
export function pickParameters(params: Params, grant: GrantHandler): Params {
  const out = new Map<string, string>();
  for (const name of grant.parameters) {
    const v = params.get(name);
    if (v !== undefined) out.set(name, v);
  }
  return out;
}

export async function handleTokenRequest(svc: OAuthServices, req: TokenRequest): Promise<TokenResponse> {
  const params = readParams(req.body);
  const grant = selectGrant(params);
  const client = await authenticateClient(svc, params, req.authorization, { allowPublic: grant.allowPublicClient, ip: req.ip, ...(req.publicClient ? { publicClient: req.publicClient } : {}) });
  checkGrantAllowed(grant, client);
  return grant.handle(svc, { params: pickParameters(params, grant), client, ip: req.ip });
}
