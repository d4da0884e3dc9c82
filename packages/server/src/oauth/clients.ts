// What the OAuth clients Gatehouse knows without registration "registered" (OpenID Connect Dynamic Client
// Registration §2 metadata): the built-in public clients (gatehouse-public, gatehouse-dataloop) and every bot (a
// bot's credential doubles as client_id/client_secret). Their refresh-token policy is in ./refresh-policy.ts.
// Registered OAuth clients (store/oauth-clients.ts) carry these fields themselves.
import type { SigningAlg } from '../config.ts';
import type { Client } from './client-auth.ts';
import { ID_TOKEN_DEFAULT_ALG } from '../domain/keyring.ts';
import { BUILTIN_PUBLIC_CLIENTS } from './refresh-policy.ts';

export interface ClientMetadata {
  /** `id_token_signed_response_alg`: OIDC Registration §2 makes RS256 the default. */
  readonly idTokenSignedResponseAlg: SigningAlg;
}

const DEFAULTS: ClientMetadata = Object.freeze({ idTokenSignedResponseAlg: ID_TOKEN_DEFAULT_ALG });

/** The built-in clients by client_id. */
export const BUILT_IN_CLIENTS: ReadonlyMap<string, ClientMetadata> = new Map(BUILTIN_PUBLIC_CLIENTS.map((id) => [id, DEFAULTS]));

/** What a client registered; bots have the defaults. */
export function clientMetadata(clientId: string): ClientMetadata {
  return BUILT_IN_CLIENTS.get(clientId) ?? DEFAULTS;
}

/** Every algorithm an ID token may be signed with (discovery's id_token_signing_alg_values_supported). */
export function idTokenAlgorithms(): SigningAlg[] {
  return [...new Set([DEFAULTS.idTokenSignedResponseAlg, ...[...BUILT_IN_CLIENTS.values()].map((c) => c.idTokenSignedResponseAlg)])];
}

/** OIDC Core §15.1 / Registration §2: the algorithm of a client's ID tokens, RS256 unless it registered another. */
export function idTokenAlgFor(client: Client): SigningAlg {
  if (client.kind === 'oauth' && client.oauthClient.idTokenAlg) return client.oauthClient.idTokenAlg as SigningAlg;
  return clientMetadata(client.clientId).idTokenSignedResponseAlg;
}
