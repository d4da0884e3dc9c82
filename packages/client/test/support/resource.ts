// A protected API for the authFetch tests. It checks each bearer token by RFC 7662 introspection at the Gatehouse
// under test, so a revocation there is seen here at once, and answers failures the way the HTTP contract says:
// 401, `WWW-Authenticate: Bearer error="invalid_token"`, and the Dataloy body ("Token expired." when it has).
import type { Bot } from './backend.ts';
import { close, json, listen, readBody } from './http-server.ts';

export interface Resource {
  url: string;
  /** Status of every request it answered, in order. */
  statuses: number[];
  /** Bodies received on POST, to check that a retried request carried the same body. */
  bodies: string[];
  stop(): Promise<void>;
}

function dataloyError(status: number, message: string, method: string, uri: string): Record<string, unknown> {
  return {
    statusCode: status, statusText: 'Unauthorized', message, date: new Date().toISOString().slice(0, 19),
    statusFamily: 'CLIENT_ERROR', method, uri,
  };
}

export async function startResource(gatehouseUrl: string, introspector: Bot): Promise<Resource> {
  const statuses: number[] = [];
  const bodies: string[] = [];
  const basic = `Basic ${btoa(`${encodeURIComponent(introspector.client_id)}:${encodeURIComponent(introspector.client_secret)}`)}`;
  const { server, url } = await listen(async (req, res) => {
    const body = await readBody(req);
    const uri = `http://${req.headers.host}${req.url}`;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let claims: { active?: boolean; exp?: number } = {};
    if (bearer) {
      const response = await fetch(`${gatehouseUrl}/oauth/introspect`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: bearer }),
      });
      claims = (await response.json()) as typeof claims;
    }
    if (!claims.active) {
      // Introspection does not say why; the JWT's own exp does (a real verifier would know).
      let expired = false;
      try {
        const exp = (JSON.parse(Buffer.from(bearer?.split('.')[1] ?? '', 'base64url').toString()) as { exp?: number }).exp;
        expired = typeof exp === 'number' && exp <= Date.now() / 1000;
      } catch { /* not a JWT */ }
      statuses.push(401);
      const message = expired ? 'Token expired.' : 'Token revoked or invalid.';
      return json(res, 401, dataloyError(401, message, req.method ?? 'GET', uri), {
        'www-authenticate': `Bearer error="invalid_token", error_description="${message}"`,
      });
    }
    statuses.push(200);
    if (req.method === 'POST') bodies.push(body);
    return json(res, 200, { ok: true });
  });
  return { url, statuses, bodies, stop: () => close(server) };
}
