// A person's login from a program: the authorization code grant with PKCE on a loopback redirect (RFC 8252: the
// system browser, http://127.0.0.1 on a port chosen now), or the device grant (RFC 8628) where no browser can be
// opened. Both use the built-in native client `gatehouse-cli` unless told otherwise, and then refresh with the
// refresh token (the client's refresh policy rotates it). When the refresh token is refused the person is asked
// to log in again, the same way.
import { cacheKey, cachedProvider } from '../cached-provider.ts';
import { discover, normalizeIssuer } from '../discovery.ts';
import { GatehouseError } from '../errors.ts';
import { errorFromResponse, readJsonOrEmpty, send, type HttpOptions } from '../http.ts';
import { requestToken } from '../token-endpoint.ts';
import type { CachingTokenProvider, Token } from '../token.ts';
import { scopeString, type ProviderOptions } from './options.ts';

export const CLI_CLIENT_ID = 'gatehouse-cli';

export interface InteractiveLoginOptions extends ProviderOptions {
  /** A registered native or spa client; default the built-in `gatehouse-cli`. */
  clientId?: string;
  scope?: string | string[];
  audience?: string;
}

export interface BrowserLoginOptions extends InteractiveLoginOptions {
  /** Opens the URL in the person's browser; default: xdg-open, open or start. */
  openBrowser?: (url: string) => void | Promise<void>;
  /** How long to wait for the browser to come back; default 5 minutes. */
  waitMs?: number;
}

export interface DeviceCodeInfo {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string | undefined;
  expiresIn: number;
}

export interface DeviceLoginOptions extends InteractiveLoginOptions {
  /** Shows the person where to go and which code to enter (the CLI prints it). */
  onCode: (info: DeviceCodeInfo) => void | Promise<void>;
  /** Waits between polls; default setTimeout (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  return { verifier, challenge: b64url(digest) };
}

function httpOf(options: ProviderOptions, signal?: AbortSignal): HttpOptions {
  return { ...(signal ? { signal } : {}), ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
}

/** The platform's opener (xdg-open, open, then Windows' start), each tried until one runs; the URL is printed anyway. */
async function defaultOpen(url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const openers: [string, string[]][] = [['xdg-open', [url]], ['open', [url]], ['cmd', ['/c', 'start', '', url]]];
  const tryOpen = (i: number): void => {
    const opener = openers[i];
    if (!opener) return;
    const child = spawn(opener[0], opener[1], { stdio: 'ignore', detached: true });
    child.on('error', () => tryOpen(i + 1));
    child.unref();
  };
  tryOpen(0);
}

/** Authorization code + PKCE through the system browser and a one-shot loopback listener; returns the tokens. */
export async function loginInBrowser(options: BrowserLoginOptions): Promise<Token> {
  const issuer = normalizeIssuer(options.issuer);
  const clientId = options.clientId ?? CLI_CLIENT_ID;
  const http = httpOf(options);
  const meta = await discover(issuer, http);
  const authorizationEndpoint = meta['authorization_endpoint'];
  if (typeof authorizationEndpoint !== 'string') throw new GatehouseError('discovery_failed', `${issuer} has no authorization endpoint.`);
  const { createServer } = await import('node:http');
  const { verifier, challenge } = await pkce();
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  try {
    const callback = new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new GatehouseError('timeout', 'The browser did not come back in time.')), options.waitMs ?? 300_000);
      server.on('request', (req, res) => {
        const url = new URL(req.url ?? '/', redirectUri);
        if (url.pathname !== '/callback') return res.writeHead(404).end();
        const failed = url.searchParams.get('error');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Gatehouse</title><p>${failed ? 'Login failed' : 'You are logged in'}. You can close this window.</p>`);
        clearTimeout(timer);
        resolve(url);
      });
    });
    const url = new URL(authorizationEndpoint);
    const params: Record<string, string | undefined> = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state, scope: scopeString(options.scope) ?? 'openid profile email offline_access', audience: options.audience };
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
    await (options.openBrowser ?? defaultOpen)(url.href);
    const back = await callback;
    // RFC 9207 and the client's own state: the answer must be from this issuer, for this request.
    if (back.searchParams.get('state') !== state) throw new GatehouseError('invalid_response', 'The browser came back with another login\'s state.');
    const iss = back.searchParams.get('iss');
    if (iss !== null && normalizeIssuer(iss) !== issuer) throw new GatehouseError('invalid_response', `The login answer names another issuer (${iss}).`);
    const error = back.searchParams.get('error');
    if (error) throw errorFromResponse(400, { error, error_description: back.searchParams.get('error_description') ?? undefined }, authorizationEndpoint);
    const code = back.searchParams.get('code');
    if (!code) throw new GatehouseError('invalid_response', 'The browser came back without a code.');
    return await requestToken({ issuer }, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId }, undefined, http);
  } finally {
    server.close();
  }
}

/** The device grant: codes, `onCode`, then polling at the server's interval (slower after slow_down). */
export async function loginWithDevice(options: DeviceLoginOptions): Promise<Token> {
  const issuer = normalizeIssuer(options.issuer);
  const clientId = options.clientId ?? CLI_CLIENT_ID;
  const http = httpOf(options);
  const meta = await discover(issuer, http);
  const endpoint = meta['device_authorization_endpoint'];
  if (typeof endpoint !== 'string') throw new GatehouseError('discovery_failed', `${issuer} has no device authorization endpoint.`);
  const body = new URLSearchParams({ client_id: clientId, scope: scopeString(options.scope) ?? 'openid profile email offline_access' });
  if (options.audience) body.set('audience', options.audience);
  const response = await send(endpoint, { method: 'POST', headers: { accept: 'application/json' }, body }, http);
  const json = (await readJsonOrEmpty(response, endpoint)) as Record<string, unknown>;
  if (!response.ok) throw errorFromResponse(response.status, json, endpoint);
  const deviceCode = String(json['device_code']);
  let interval = Number(json['interval'] ?? 5) * 1000;
  const expiresAt = Date.now() + Number(json['expires_in'] ?? 600) * 1000;
  await options.onCode({ userCode: String(json['user_code']), verificationUri: String(json['verification_uri']), verificationUriComplete: typeof json['verification_uri_complete'] === 'string' ? json['verification_uri_complete'] : undefined, expiresIn: Number(json['expires_in'] ?? 600) });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let first = true; ; first = false) {
    if (!first) await sleep(interval);
    if (Date.now() > expiresAt) throw new GatehouseError('expired_token', 'The device code expired before the login was approved.');
    try {
      return await requestToken({ issuer }, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: clientId }, undefined, http);
    } catch (error) {
      if (!(error instanceof GatehouseError)) throw error;
      if (error.code === 'authorization_pending') continue;
      if (error.code === 'slow_down') {
        interval += 5000; // RFC 8628 §3.5
        continue;
      }
      throw error;
    }
  }
}

function interactive(options: InteractiveLoginOptions, kind: string, login: () => Promise<Token>): CachingTokenProvider {
  const issuer = normalizeIssuer(options.issuer);
  const clientId = options.clientId ?? CLI_CLIENT_ID;
  const key = cacheKey([issuer, kind, clientId, options.audience, scopeString(options.scope)]);
  return cachedProvider(key, async (current, signal) => {
    if (!current?.refreshToken) return login();
    try {
      const token = await requestToken({ issuer }, { grant_type: 'refresh_token', refresh_token: current.refreshToken, client_id: clientId }, undefined, httpOf(options, signal));
      return token.refreshToken ? token : { ...token, refreshToken: current.refreshToken };
    } catch (error) {
      if (error instanceof GatehouseError && error.code === 'invalid_grant') return login();
      throw error;
    }
  }, options);
}

/** A person's tokens through the browser (authorization code + PKCE on a loopback redirect), refreshed after. */
export function browserLogin(options: BrowserLoginOptions): CachingTokenProvider {
  return interactive(options, 'browser', () => loginInBrowser(options));
}

/** A person's tokens through the device grant (a code entered on another device), refreshed after. */
export function deviceLogin(options: DeviceLoginOptions): CachingTokenProvider {
  return interactive(options, 'device', () => loginWithDevice(options));
}
