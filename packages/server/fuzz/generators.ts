// What the fuzzer sends: requests built from templates of every public endpoint (valid enough to get past the
// first checks), then mutated: methods, paths, query strings, parameters and their types, body encodings and
// sizes, content types, Authorization and other headers; plus a share of bytes that are not HTTP at all.
import { createHmac } from 'node:crypto';
import type { Gatehouse } from '../test/support/harness.ts';
import type { Rng } from './rng.ts';

export interface FuzzRequest {
  method: string;
  /** The request target as sent: path and query, already encoded (or deliberately not). */
  target: string;
  headers: [string, string][];
  body?: Buffer;
  /** Not valid HTTP: the server may close the connection without an answer. */
  malformed?: boolean;
}

/** Real identifiers and credentials, so mutated requests reach deep into the handlers. */
export class Corpus {
  readonly values: Record<string, string> = {};
  static async build(gh: Gatehouse): Promise<Corpus> {
    const c = new Corpus();
    const v = c.values;
    v.admin = await gh.adminToken();
    v.adminEmail = gh.admin.email;
    const project = await gh.createProject('fuzz');
    v.projectId = project.id;
    const bot = await gh.createBot({ name: 'fuzzer', projectId: project.id });
    Object.assign(v, { botId: bot.id, botEmail: bot.email, botSecret: bot.client_secret });
    const api = await gh.createApi({ identifier: 'https://fuzz.example', scopes: ['read', 'write'] });
    v.apiId = api.id;
    await gh.grant(api.id, bot.id, ['read']);
    const user = { email: 'fuzz-user@example.com', password: 'fuzz user password 1' };
    const u = await gh.createUser(user);
    Object.assign(v, { userId: u.id, userEmail: user.email, userPassword: user.password });
    const login = await gh.token({ grant_type: 'password', username: user.email, password: user.password });
    Object.assign(v, { userToken: login.body.access_token, idToken: login.body.id_token, refreshToken: login.body.refresh_token });
    const cc = await gh.token({ grant_type: 'client_credentials', audience: 'https://fuzz.example' }, { basic: [bot.client_id, bot.client_secret] });
    v.botToken = cc.body.access_token;
    const app = await gh.api('POST', '/api/v1/app-tokens', { name: 'fuzz', expires_in: 3600 }, v.userToken);
    Object.assign(v, { appToken: app.token, appTokenId: app.id });
    const [h, p] = v.userToken!.split('.');
    v.noneJwt = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
    v.hsJwt = `${h}.${p}.${createHmac('sha256', 'x').update(`${h}.${p}`).digest('base64url')}`;
    return c;
  }
}

const HOSTILE = [
  '', ' ', '\t', 'a'.repeat(300), 'a'.repeat(5000), '\u0000', 'x\u0000y', '%', '%zz', '%00', '%C0%AF', '%E0%A4%A', '\ud800', '\udc00x',
  '\u202e', '\ufeff', '🙂', 'é', '\r\n', '\n', '"', "'", '\\', '`', '<script>alert(1)</script>', '${jndi:ldap://x}', '{{7*7}}',
  '../../etc/passwd', '..%2f..%2f', 'null', 'undefined', 'true', 'false', '0', '-1', '1e309', '9'.repeat(400), 'NaN', 'Infinity',
  '[]', '{}', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', "' OR '1'='1", '1; DROP TABLE users;--',
  'ghr_', 'ghb_', 'ghr_' + 'A'.repeat(43), 'ghb_' + 'A'.repeat(43), 'Bearer x', 'Basic x', 'eyJ', 'a.b.c', 'a..c', '...',
  'https://evil.example', 'javascript:alert(1)', 'http://[::1]:99999', 'mailto:x@y', '*', '?', '#', '&', '=', '+', ':', '/', ';',
];
const NUMBERS = ['0', '1', '-1', '59', '60', '86400', '31536001', '2147483648', '9007199254740993', '1.5', '1e3', '0x10', ' 5', '5 ', '+5', '٣'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'FOO', 'get'];
const CONTENT_TYPES = [
  'application/x-www-form-urlencoded', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16',
  'application/x-www-form-urlencoded; charset=iso-8859-1', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml',
  'application/*', '*/*', 'application/json;', ';', 'application/x-www-form-urlencoded, application/json', 'APPLICATION/JSON', '',
];
const GRANTS = ['client_credentials', 'password', 'refresh_token', 'authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'implicit', ''];

type Params = Record<string, unknown>;
interface Template {
  readonly method: string;
  readonly path: (v: Record<string, string>, rng: Rng) => string;
  readonly body?: 'form' | 'json' | 'either';
  readonly params?: (v: Record<string, string>, rng: Rng) => Params;
  readonly query?: (v: Record<string, string>, rng: Rng) => Params;
  readonly auth?: (v: Record<string, string>, rng: Rng) => string | undefined;
}

const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
const anyBearer = (v: Record<string, string>, rng: Rng) => `Bearer ${v[rng.pick(['admin', 'userToken', 'botToken', 'appToken', 'idToken', 'refreshToken', 'noneJwt', 'hsJwt'])]}`;
const adminOrUser = (v: Record<string, string>, rng: Rng) => `Bearer ${rng.chance(0.7) ? v.admin : v.userToken}`;

const TEMPLATES: Template[] = [
  { method: 'POST', path: () => '/oauth/token', body: 'either', params: (v, rng) => rng.pick([
    { grant_type: 'client_credentials', client_id: v.botEmail, client_secret: v.botSecret, audience: rng.pick(['https://fuzz.example', 'gatehouse', 'https://nope']), scope: rng.pick(['read', 'write', 'read write', undefined]) },
    { grant_type: 'password', username: rng.pick([v.userEmail, v.botEmail, 'nobody@example.com']), password: rng.pick(['wrong password', v.botSecret]), scope: rng.pick(['openid', undefined]) },
    { grant_type: 'refresh_token', refresh_token: rng.pick([v.refreshToken, 'ghr_x', v.userToken]), scope: rng.pick(['openid', undefined]) },
    { grant_type: rng.pick(GRANTS), resource: rng.pick(['https://fuzz.example', 'not a uri', 'https://x#frag']) },
  ]), auth: (v, rng) => (rng.chance(0.3) ? basic(v.botEmail!, v.botSecret!) : undefined) },
  { method: 'POST', path: () => '/oauth/introspect', body: 'either', params: (v, rng) => ({ token: v[rng.pick(['userToken', 'botToken', 'appToken', 'idToken', 'refreshToken', 'noneJwt', 'hsJwt'])], token_type_hint: rng.pick(['access_token', 'refresh_token', undefined]) }), auth: (v, rng) => (rng.chance(0.5) ? basic(v.botEmail!, v.botSecret!) : `Bearer ${v.admin}`) },
  { method: 'POST', path: () => '/oauth/revoke', body: 'either', params: (v, rng) => ({ token: rng.pick(['ghr_' + rng.string(43), 'a.b.c', v.noneJwt]), token_type_hint: rng.pick(['access_token', 'refresh_token', 'x', undefined]) }), auth: (v, rng) => (rng.chance(0.5) ? basic(v.botEmail!, v.botSecret!) : undefined) },
  { method: 'GET', path: () => '/oauth/userinfo', auth: anyBearer },
  { method: 'POST', path: () => '/oauth/userinfo', auth: anyBearer },
  { method: 'GET', path: () => '/oauth/revocations', query: (_v, rng) => ({ since: rng.pick(['0', '1', '999999999999999', '-1', 'abc', '1e5']) }) },
  { method: 'GET', path: () => '/.well-known/openid-configuration' },
  { method: 'GET', path: () => '/.well-known/oauth-authorization-server' },
  { method: 'GET', path: () => '/.well-known/jwks.json' },
  { method: 'GET', path: () => '/healthz' },
  { method: 'GET', path: () => '/readyz' },
  { method: 'GET', path: () => '/metrics' },
  { method: 'POST', path: () => '/token?default', body: 'json', params: (v, rng) => ({ username: rng.pick([v.botEmail, 'nobody@example.com']), password: 'wrong secret', type: rng.pick(['user_credentials', 'other', undefined]) }) },
  { method: 'GET', path: () => '/api/v1/auth/token', query: (v, rng) => ({ username: rng.pick([v.userEmail, 'nobody@example.com']), password: 'wrong password' }) },
  { method: 'GET', path: () => '/api/v1/auth/app_token', query: (_v, rng) => ({ expires_in: rng.pick(NUMBERS) }), auth: anyBearer },
  { method: 'GET', path: () => '/api/v1/projects', auth: anyBearer },
  { method: 'POST', path: () => '/api/v1/projects', body: 'json', params: (_v, rng) => ({ name: `fz-${rng.string(6)}` }), auth: adminOrUser },
  { method: 'GET', path: (v) => `/api/v1/projects/${v.projectId}`, auth: anyBearer },
  { method: 'PATCH', path: (v) => `/api/v1/projects/${v.projectId}`, body: 'json', params: (_v, rng) => ({ name: rng.pick(['fuzz', '', 'x'.repeat(300)]) }), auth: adminOrUser },
  { method: 'GET', path: (v) => `/api/v1/projects/${v.projectId}/members`, auth: anyBearer },
  { method: 'POST', path: (v) => `/api/v1/projects/${v.projectId}/members`, body: 'json', params: (v, rng) => ({ email: rng.pick([v.userEmail, 'nobody@example.com']), role: rng.pick(['owner', 'developer', 'viewer', 'god']) }), auth: adminOrUser },
  { method: 'PATCH', path: (v) => `/api/v1/projects/${v.projectId}/members/${v.userId}`, body: 'json', params: (_v, rng) => ({ role: rng.pick(['developer', 'viewer', 'owner', 1]) }), auth: adminOrUser },
  { method: 'GET', path: (v) => `/api/v1/projects/${v.projectId}/bots`, auth: anyBearer },
  { method: 'POST', path: (v) => `/api/v1/projects/${v.projectId}/bots`, body: 'json', params: (_v, rng) => ({ name: rng.pick([`fz-${rng.string(5).toLowerCase()}`, 'UPPER', '-x-', '']), role: rng.pick(['developer', 'viewer', 'owner', undefined]) }), auth: adminOrUser },
  { method: 'GET', path: (v) => `/api/v1/projects/${v.projectId}/bots/${v.botId}`, auth: anyBearer },
  { method: 'PUT', path: (v) => `/api/v1/projects/${v.projectId}/bots/${v.botId}/password-grant`, body: 'json', params: (_v, rng) => ({ enabled: rng.pick([true, 'true', 1, null]) }), auth: adminOrUser },
  { method: 'GET', path: () => '/api/v1/apis', auth: anyBearer },
  { method: 'POST', path: () => '/api/v1/apis', body: 'json', params: (_v, rng) => ({ identifier: rng.pick([`https://fz-${rng.string(6).toLowerCase()}.example`, 'not-a-url', '']), scopes: rng.pick([['a'], ['a b'], 'a', [1]]), token_lifetime: rng.pick([60, 29, 'x', -1, 1e12]), signing_alg: rng.pick(['ES256', 'EdDSA', 'RS256', 'PS256', 'none', 'HS256']) }), auth: adminOrUser },
  { method: 'GET', path: (v) => `/api/v1/apis/${v.apiId}`, auth: anyBearer },
  { method: 'PATCH', path: (v) => `/api/v1/apis/${v.apiId}`, body: 'json', params: (_v, rng) => ({ name: rng.pick(['Fuzz', '', 5]), scopes: rng.pick([['read', 'write'], ['read'], 'read']) }), auth: adminOrUser },
  { method: 'PUT', path: (v) => `/api/v1/apis/${v.apiId}/grants/${v.botId}`, body: 'json', params: (_v, rng) => ({ scopes: rng.pick([['read'], ['write'], ['nope'], [], 'read']) }), auth: adminOrUser },
  { method: 'GET', path: () => '/api/v1/app-tokens', auth: anyBearer },
  { method: 'POST', path: () => '/api/v1/app-tokens', body: 'json', params: (_v, rng) => ({ name: rng.pick(['ci', '', 'x'.repeat(300)]), expires_in: rng.pick([60, 0, -5, 1e20, '60', 1.5]), scopes: rng.pick([undefined, ['openid'], ['admin']]) }), auth: anyBearer },
  { method: 'GET', path: () => '/api/v1/keys', auth: anyBearer },
  { method: 'GET', path: () => '/api/v1/audit-events', query: (_v, rng) => ({ limit: rng.pick(NUMBERS), cursor: rng.pick(NUMBERS), type: rng.pick(['token.issued', 'x', undefined]) }), auth: adminOrUser },
  { method: 'POST', path: () => '/api/v1/users', body: 'json', params: (_v, rng) => ({ email: rng.pick([`fz-${rng.string(6)}@example.com`, 'not-an-email', '']), password: rng.pick(['long enough password', 'short']), admin: rng.pick([false, true, 'yes']) }), auth: (v, rng) => (rng.chance(0.5) ? `Bearer ${v.admin}` : undefined) },
  { method: 'GET', path: () => '/api/v1/users/me', auth: anyBearer },
  { method: 'POST', path: () => '/api/v1/users/me/password', body: 'json', params: (_v, rng) => ({ current_password: 'not the password', new_password: rng.pick(['a new long password', 'short']) }), auth: anyBearer },
  { method: 'PUT', path: (v) => `/api/v1/users/${v.userId}/password-grant`, body: 'json', params: () => ({ enabled: true }), auth: adminOrUser },
  { method: 'GET', path: () => '/api/v1/openapi.json' },
  { method: 'GET', path: () => '/api/v1/docs' },
  // Deletions only of things that do not exist (the corpus must survive the run).
  { method: 'DELETE', path: (_v, rng) => `/api/v1/projects/${uuid(rng)}`, auth: adminOrUser },
  { method: 'DELETE', path: (v, rng) => `/api/v1/projects/${v.projectId}/bots/${uuid(rng)}`, auth: adminOrUser },
  { method: 'DELETE', path: (_v, rng) => `/api/v1/app-tokens/${uuid(rng)}`, auth: anyBearer },
  { method: 'DELETE', path: (v, rng) => `/api/v1/apis/${v.apiId}/grants/${uuid(rng)}`, auth: adminOrUser },
];

function hostileValue(rng: Rng, v: Record<string, string>): unknown {
  switch (rng.int(8)) {
    case 0: return rng.pick(NUMBERS);
    case 1: return v[rng.pick(Object.keys(v))];
    case 2: return rng.string(1 + rng.int(40), 'ab%+&=?#/\\"\'\u0000\u00e9\u4e2d\ud83d\ude00 ');
    case 3: return rng.pick([0, -1, 1.5, 1e308, true, false, null, [], {}, ['a', 'b'], { a: 1 }, [[[]]]]);
    default: return rng.pick(HOSTILE);
  }
}

function uuid(rng: Rng): string {
  const h = rng.bytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** application/x-www-form-urlencoded by bytes: lone surrogates become U+FFFD instead of throwing. */
function formEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9*\-._]/.test(c) ? c : byte === 0x20 ? '+' : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function encodeForm(params: [string, unknown][], rng: Rng): string {
  return params
    .map(([k, val]) => {
      const value = typeof val === 'string' ? val : JSON.stringify(val) ?? '';
      // Sometimes not encoded at all, so raw "%", "&" and "=" reach the parser.
      return rng.chance(0.05) ? `${k}=${value}` : `${formEncode(k)}=${formEncode(value)}`;
    })
    .join('&');
}

function encodeJson(params: [string, unknown][], rng: Rng): string {
  // Written by hand so keys can repeat.
  const body = `{${params.map(([k, val]) => `${JSON.stringify(k)}:${JSON.stringify(val) ?? 'null'}`).join(',')}}`;
  if (rng.chance(0.03)) return body.slice(0, rng.int(body.length)); // truncated
  if (rng.chance(0.02)) return '\ufeff' + body;
  if (rng.chance(0.02)) return body + rng.pick(['x', '}', ',', ' {}']);
  return body;
}

function garbage(rng: Rng): FuzzRequest {
  const kinds: (() => Buffer)[] = [
    () => rng.bytes(1 + rng.int(200)),
    () => Buffer.from(`${rng.pick(METHODS)} ${rng.string(20, '/ %\u0000abc')} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'),
    () => Buffer.from(`GET / HTTP/9.9\r\n\r\n`),
    () => Buffer.from(`GET /healthz\r\n\r\n`),
    () => Buffer.from(`POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 5\r\n\r\nhello`),
    () => Buffer.from(`POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`),
    () => Buffer.from(`POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`),
    () => Buffer.from(`POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1}`),
    () => Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Bad\u0000Header: 1\r\n\r\n`, 'latin1'),
    () => Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n${'X-Big: ' + 'a'.repeat(20_000)}\r\n\r\n`),
    () => Buffer.from(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
  ];
  return { method: 'RAW', target: '', headers: [], body: rng.pick(kinds)(), malformed: true };
}

export function generate(rng: Rng, corpus: Corpus): FuzzRequest {
  const v = corpus.values;
  if (rng.chance(0.02)) return garbage(rng);
  const t = rng.pick(TEMPLATES);
  let method = t.method;
  let path = t.path(v, rng);
  let params: [string, unknown][] = Object.entries(t.params?.(v, rng) ?? {}).filter(([, x]) => x !== undefined);
  let query: [string, unknown][] = Object.entries(t.query?.(v, rng) ?? {}).filter(([, x]) => x !== undefined);
  let kind = t.body === 'either' ? rng.pick(['form', 'json'] as const) : t.body;
  let contentType = kind === 'form' ? 'application/x-www-form-urlencoded' : kind === 'json' ? 'application/json' : undefined;
  const headers: [string, string][] = [];
  let auth = t.auth?.(v, rng);
  let bodyOverride: Buffer | undefined;
  let malformed = false;

  const mutations = rng.chance(0.15) ? 0 : 1 + rng.int(4);
  for (let m = 0; m < mutations; m++) {
    switch (rng.int(16)) {
      case 0: method = rng.pick(METHODS); break;
      case 1: path = rng.pick([
        path + '/' + rng.string(8), path + '/', '/' + path, path.replace(/[0-9a-f]{8}-/, rng.pick(['', '..', '%2e%2e', rng.string(70), rng.string(300)])),
        path + '%00', path + '/%ff', path.toUpperCase(), '/' + rng.string(1 + rng.int(30), 'abc/._~%-'), path + ';x=1', path + '#frag', '/api/v1/' + rng.string(10),
      ]); break;
      case 2: query.push([rng.pick(['audience', 'scope', 'token', 'password', 'since', 'expires_in', 'limit', 'x', '__proto__', '']), hostileValue(rng, v)]); break;
      case 3: if (query.length) query.push(rng.pick(query)); break; // repeated query parameter
      case 4: if (params.length) params.splice(rng.int(params.length), 1); break;
      case 5: if (params.length) params.push([rng.pick(params)[0], hostileValue(rng, v)]); break; // repeated parameter
      case 6: case 7: if (params.length) { const i = rng.int(params.length); params[i] = [params[i]![0], hostileValue(rng, v)]; } break;
      case 8: params.push([rng.pick(['grant_type', 'client_id', 'client_secret', 'audience', 'resource', 'scope', 'token', 'refresh_token', 'username', 'password', '__proto__', 'constructor', rng.string(5)]), hostileValue(rng, v)]); break;
      case 9: kind = rng.pick(['form', 'json', undefined]); contentType = rng.pick(CONTENT_TYPES); break;
      case 10: bodyOverride = rng.pick([
        () => Buffer.from('a=' + 'x'.repeat(17 * 1024)),
        () => Buffer.from(JSON.stringify({ grant_type: 'password', username: 'x'.repeat(70 * 1024) })),
        () => Buffer.from('['.repeat(5000) + ']'.repeat(5000)),
        () => Buffer.from('{"a":'.repeat(3000) + '1' + '}'.repeat(3000)),
        () => rng.bytes(rng.int(300)),
        () => Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
        () => Buffer.from('grant_type=password&username=\xff\xfe&password=x', 'latin1'),
        () => Buffer.alloc(0),
      ])(); break;
      case 11: auth = rng.pick([
        undefined, 'Basic', 'Basic !!!', 'Basic ' + Buffer.from(rng.string(20)).toString('base64'), 'Basic ' + rng.bytes(30).toString('base64'),
        basic(v.botEmail!, 'wrong'), basic('x%zz', 'y'), 'Bearer', 'Bearer ' + rng.string(40), 'bearer  ' + v.userToken, `Bearer ${v.noneJwt}`,
        `Bearer ${v.refreshToken}`, 'Digest x', 'Bearer ' + 'a'.repeat(9000), `Basic ${Buffer.from(`${v.botEmail}:${v.botSecret}`).toString('base64')}`,
      ]); break;
      case 12: headers.push(['X-Forwarded-For', rng.pick([`203.0.113.${rng.int(256)}`, `2001:db8::${rng.int(65535).toString(16)}`, 'unknown', '1.2.3.4, 5.6.7.8', '999.1.1.1', '::ffff:1.2.3.4', '', rng.string(30)])]); break;
      case 13: headers.push([rng.pick(['Origin', 'Accept', 'Accept-Encoding', 'Content-Encoding', 'X-Request-Id', 'Cookie', 'Host-Override', 'Access-Control-Request-Method']), rng.pick(['https://app.example', 'https://evil.example', 'null', 'gzip', 'br', 'deflate', '*/*', 'text/html', 'x'.repeat(500), rng.string(20), 'POST'])]); break;
      case 14: if (auth) headers.push(['Authorization', rng.pick([auth, 'Bearer other'])]); break; // two Authorization headers
      case 15: if (rng.chance(0.3)) { headers.push(['Content-Length', String(rng.pick([0, 5, 1_000_000]))]); malformed = true; } else headers.push(['Transfer-Encoding', 'chunked']); break;
    }
  }

  let body: Buffer | undefined = bodyOverride;
  if (!body && kind && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) body = Buffer.from(kind === 'json' ? encodeJson(params, rng) : encodeForm(params, rng));
  if (headers.some(([k, x]) => k === 'Transfer-Encoding' && x === 'chunked')) {
    body = body?.length ? Buffer.concat([Buffer.from(body.length.toString(16) + '\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]) : Buffer.from('0\r\n\r\n');
  }
  if (contentType !== undefined && (body || rng.chance(0.1))) headers.push(['Content-Type', contentType]);
  if (auth) headers.push(['Authorization', auth]);
  const qs = query.length ? '?' + encodeForm(query, rng) : '';
  // Header values may not hold CR, LF or NUL in HTTP/1.1 framing; such bytes are only sent in the raw garbage.
  const safe = headers.map(([k, x]) => [k, x.replace(/[\r\n\u0000]/g, '')] as [string, string]);
  return { method, target: path + qs, headers: safe, body, malformed: malformed || method === 'CONNECT' || /[\s\u0000-\u001f\u007f-\uffff]/.test(path + qs) };
}
