// The one interface every grant implements; adding a grant is adding a file and a line in ./index.ts.
import type { Client } from '../client-auth.ts';
import type { OAuthServices } from '../context.ts';
import type { Params } from '../params.ts';

export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  expires_in: number;
  token_type: 'Bearer';
  scope?: string;
  /** RFC 8693 §2.2.1: the type of the token issued by a token exchange. */
  issued_token_type?: string;
}

export interface GrantRequest {
  readonly params: Params;
  readonly client: Client;
  readonly ip: string;
}

export interface GrantHandler {
  readonly grantType: string;
  /** Parameters this grant reads; anything else is dropped before `handle` sees it. */
  readonly parameters: readonly string[];
  /** Whether the built-in public client may use this grant. */
  readonly allowPublicClient: boolean;
  handle(svc: OAuthServices, req: GrantRequest): Promise<TokenResponse>;
}
