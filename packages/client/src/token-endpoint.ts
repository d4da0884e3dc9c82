import { discover, normalizeIssuer } from './discovery.ts';
import { errorFromResponse, readJsonOrEmpty, send, type HttpOptions } from './http.ts';
import { tokenFromResponse, type Token } from './token.ts';
import { systemClock, type Clock } from './clock.ts';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface ClientAuth {
  clientId: string;
  clientSecret: string;
  method: ClientAuthMethod;
}

/** Where to send token requests: the issuer (discovered) or an explicit endpoint that skips discovery. */
export interface EndpointConfig {
  issuer: string;
  tokenEndpoint?: string;
}

export async function resolveTokenEndpoint(config: EndpointConfig, options: HttpOptions): Promise<string> {
  if (config.tokenEndpoint) return config.tokenEndpoint;
  return (await discover(normalizeIssuer(config.issuer), options)).token_endpoint;
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}

/**
 * POSTs one grant to the token endpoint (form-encoded, RFC 6749 §4) and returns the Token or a typed error.
 * Parameters whose value is undefined are left out: the server rejects empty duplicates, not missing ones.
 */
export async function requestToken(
  config: EndpointConfig,
  params: Record<string, string | undefined>,
  client: ClientAuth | undefined,
  options: HttpOptions & { clock?: Clock | undefined },
): Promise<Token> {
  const url = await resolveTokenEndpoint(config, options);
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) body.set(name, value);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (client?.method === 'client_secret_basic') {
    headers['authorization'] = basicCredentials(client.clientId, client.clientSecret);
  } else if (client) {
    body.set('client_id', client.clientId);
    body.set('client_secret', client.clientSecret);
  }
  const requestedAt = (options.clock ?? systemClock).now();
  const response = await send(url, { method: 'POST', headers, body }, options);
  const json = await readJsonOrEmpty(response, url);
  if (!response.ok) throw errorFromResponse(response.status, json, url);
  return tokenFromResponse(json, requestedAt);
}
