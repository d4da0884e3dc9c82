// The registry of grants, by grant_type.
import { authorizationCode } from './authorization-code.ts';
import { clientCredentials } from './client-credentials.ts';
import { deviceCode } from './device-code.ts';
import { password } from './password.ts';
import { refreshToken } from './refresh-token.ts';
import { tokenExchange } from './token-exchange.ts';
import type { GrantHandler } from './types.ts';

export const GRANTS: ReadonlyMap<string, GrantHandler> = new Map([authorizationCode, clientCredentials, deviceCode, password, refreshToken, tokenExchange].map((g) => [g.grantType, g]));
