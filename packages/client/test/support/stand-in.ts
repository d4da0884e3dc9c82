// A temporary stand-in for a Gatehouse server, following docs/http-surface.md closely enough for the SDK tests:
// discovery, the token endpoint (client_credentials, password, refresh_token with rotation and reuse detection),
// introspection and revocation. It signs nothing: tokens are JWT-shaped so the SDK can read `exp`.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend, Bot } from './backend.ts';
import { close, json, listen, parseParams, readBody } from './http-server.ts';

interface Api { id: string; identifier: string; scopes: string[]; lifetime: number }
interface Principal { sub: string; secret: string }
interface RefreshRecord { family: string; sub: string; clientId: string; audience: string; spent: boolean }

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startStandIn(): Promise<Backend> {
  const principals = new Map<string, Principal>(); // by email: bots and users
  const apis = new Map<string, Api>(); // by identifier
  const grants = new Map<string, Set<string>>(); // `${botSub} ${apiId}` → scopes
  const accessTokens = new Map<string, { claims: Record<string, unknown>; revoked: boolean }>(); // by jti
  const refreshTokens = new Map<string, RefreshRecord>();
  const revokedFamilies = new Set<string>();
  let issuer = '';

  apis.set('gatehouse', { id: 'api_gatehouse', identifier: 'gatehouse', scopes: [], lifetime: 86400 });

  const oauthError = (res: ServerResponse, status: number, error: string, description: string): void =>
    json(res, status, { error, error_description: description }, { 'cache-control': 'no-store' });

  function issue(sub: string, clientId: string, api: Api, scope: string, withRefresh: boolean, family?: string): Record<string, unknown> {
    const iat = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, sub, aud: api.identifier, exp: iat + api.lifetime, iat, jti: randomUUID(), client_id: clientId, scope };
    accessTokens.set(claims.jti, { claims, revoked: false });
    const body: Record<string, unknown> = {
      access_token: `${b64({ typ: 'at+jwt', alg: 'ES256', kid: 'stand-in' })}.${b64(claims)}.c3RhbmQtaW4`,
      token_type: 'Bearer',
      expires_in: api.lifetime,
    };
    if (scope) body['scope'] = scope;
    if (withRefresh) {
      const refresh = `ghr_${randomBytes(32).toString('base64url')}`;
      refreshTokens.set(refresh, { family: family ?? randomUUID(), sub, clientId, audience: api.identifier, spent: false });
      body['refresh_token'] = refresh;
      body['id_token'] = `${b64({ typ: 'JWT', alg: 'ES256' })}.${b64({ iss: issuer, sub, aud: clientId, iat, exp: iat + api.lifetime })}.c3RhbmQtaW4`;
    }
    return body;
  }

  /** RFC 6749 §2.3.1: Basic or body credentials, never both. */
  function clientOf(req: IncomingMessage, params: Map<string, string>): { id?: string; secret?: string; both?: boolean } {
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(header.slice(6), 'base64').toString().split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
      return { id, secret, both: params.has('client_secret') };
    }
    return { id: params.get('client_id'), secret: params.get('client_secret') };
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { params, duplicate } = parseParams(await readBody(req), req.headers['content-type']);
    if (duplicate) return oauthError(res, 400, 'invalid_request', `duplicate parameter ${duplicate}`);
    const client = clientOf(req, params);
    if (client.both) return oauthError(res, 400, 'invalid_request', 'more than one client authentication method');
    const scope = params.get('scope') ?? '';
    switch (params.get('grant_type')) {
      case 'client_credentials': {
        const bot = client.id ? principals.get(client.id) : undefined;
        if (!bot || bot.secret !== client.secret) return oauthError(res, 401, 'invalid_client', 'client authentication failed');
        const audience = params.get('audience') ?? params.get('resource');
        if (!audience) return oauthError(res, 400, 'invalid_request', 'missing audience');
        const api = apis.get(audience);
        if (!api) return oauthError(res, 400, 'invalid_target', `unknown audience ${audience}`);
        const granted = grants.get(`${bot.sub} ${api.id}`);
        if (!granted) return oauthError(res, 403, 'unauthorized_client', 'no grant for this audience');
        const wanted = scope ? scope.split(' ') : [...granted];
        if (wanted.some((s) => !granted.has(s))) return oauthError(res, 400, 'invalid_scope', 'scope not granted');
        return json(res, 200, issue(bot.sub, client.id!, api, wanted.join(' '), false), { 'cache-control': 'no-store' });
      }
      case 'password': {
        const user = principals.get(params.get('username') ?? '');
        if (!user || user.secret !== params.get('password')) return oauthError(res, 400, 'invalid_grant', 'wrong email or password');
        const api = apis.get(params.get('audience') ?? 'gatehouse');
        if (!api) return oauthError(res, 400, 'invalid_target', 'unknown audience');
        return json(res, 200, issue(user.sub, client.id ?? 'gatehouse-public', api, scope || 'openid', true), { 'cache-control': 'no-store' });
      }
      case 'refresh_token': {
        const presented = params.get('refresh_token') ?? '';
        const record = refreshTokens.get(presented);
        if (!record || revokedFamilies.has(record.family)) return oauthError(res, 400, 'invalid_grant', 'unknown or revoked refresh token');
        if (record.spent) {
          revokedFamilies.add(record.family); // reuse: the whole family goes
          return oauthError(res, 400, 'invalid_grant', 'refresh token reused; family revoked');
        }
        record.spent = true;
        const api = apis.get(record.audience)!;
        return json(res, 200, issue(record.sub, record.clientId, api, scope || 'openid', true, record.family), { 'cache-control': 'no-store' });
      }
      default:
        return oauthError(res, 400, 'unsupported_grant_type', 'unsupported grant_type');
    }
  }

  function jtiOf(tokenValue: string): string | undefined {
    try {
      return (JSON.parse(Buffer.from(tokenValue.split('.')[1] ?? '', 'base64url').toString()) as { jti?: string }).jti;
    } catch {
      return undefined;
    }
  }

  async function introspect(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { params } = parseParams(await readBody(req), req.headers['content-type']);
    const client = clientOf(req, params);
    const caller = client.id ? principals.get(client.id) : undefined;
    if (!caller || caller.secret !== client.secret) return oauthError(res, 401, 'invalid_client', 'client authentication failed');
    const record = accessTokens.get(jtiOf(params.get('token') ?? '') ?? '');
    const active = record && !record.revoked && (record.claims['exp'] as number) > Date.now() / 1000;
    return json(res, 200, active ? { active: true, ...record.claims } : { active: false });
  }

  async function revoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { params } = parseParams(await readBody(req), req.headers['content-type']);
    const value = params.get('token') ?? '';
    const refresh = refreshTokens.get(value);
    if (refresh) revokedFamilies.add(refresh.family);
    const record = accessTokens.get(jtiOf(value) ?? '');
    if (record) record.revoked = true;
    res.writeHead(200).end();
  }

  /** NOMAD: a user mints a token with the lifetime they choose, up to a maximum (here 30 days). */
  function mintAppToken(req: IncomingMessage, res: ServerResponse): void {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const record = accessTokens.get(jtiOf(bearer) ?? '');
    if (!record || record.revoked || (record.claims['exp'] as number) <= Date.now() / 1000) {
      return json(res, 401, { statusCode: 401, statusText: 'Unauthorized', message: 'Token invalid.' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    const expiresIn = Number(new URL(req.url ?? '/', issuer).searchParams.get('expires_in'));
    if (!(expiresIn > 0 && expiresIn <= 30 * 86400)) {
      return json(res, 400, { statusCode: 400, statusText: 'Bad Request', message: 'expires_in must be between 1 and 2592000 (the maximum).' });
    }
    const api = { ...apis.get(String(record.claims['aud']))!, lifetime: expiresIn };
    const body = issue(String(record.claims['sub']), String(record.claims['client_id']), api, String(record.claims['scope']), false);
    return json(res, 200, { access_token: body['access_token'], token_type: 'Bearer', expires_in: expiresIn });
  }

  const { server, url } = await listen(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        token_endpoint: `${issuer}/oauth/token`,
        introspection_endpoint: `${issuer}/oauth/introspect`,
        revocation_endpoint: `${issuer}/oauth/revoke`,
        grant_types_supported: ['client_credentials', 'password', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      });
    }
    if (req.method === 'POST' && path === '/oauth/token') return token(req, res);
    if (req.method === 'POST' && path === '/oauth/introspect') return introspect(req, res);
    if (req.method === 'POST' && path === '/oauth/revoke') return revoke(req, res);
    if (req.method === 'GET' && path === '/api/v1/auth/app_token') return mintAppToken(req, res);
    return json(res, 404, { statusCode: 404, statusText: 'Not Found', message: 'Not found.' });
  });
  issuer = url;

  return {
    url,
    async createBot(options = {}): Promise<Bot> {
      const id = `bot_${randomUUID()}`;
      const email = `${options.name ?? 'bot'}-${id.slice(4, 12)}@bots.stand-in`;
      const password = `ghb_${randomBytes(32).toString('base64url')}`;
      principals.set(email, { sub: id, secret: password });
      return { id, email, password, client_id: email, client_secret: password };
    },
    async createApi(options) {
      const api = { id: `api_${randomUUID()}`, identifier: options.identifier, scopes: options.scopes, lifetime: options.token_lifetime ?? 86400 };
      apis.set(api.identifier, api);
      return { id: api.id };
    },
    async grant(apiId, botId, scopes) {
      grants.set(`${botId} ${apiId}`, new Set(scopes));
    },
    async createUser(options) {
      principals.set(options.email, { sub: `usr_${randomUUID()}`, secret: options.password });
    },
    stop: () => close(server),
  };
}
