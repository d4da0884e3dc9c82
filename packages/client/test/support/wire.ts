// A proxy in front of the Gatehouse under test, where the SDK tests observe and disturb the wire: it records every
// request (so "exactly one token request" is counted on the server's side of the network), can be taken down
// (connection refused) and brought back, and can slow token responses. Discovery is rewritten so the SDK sees the
// proxy as the issuer.
import type { Server } from 'node:http';
import { close, listen, readBody } from './http-server.ts';

export interface WireRecord {
  method: string;
  path: string;
  grantType?: string;
  refreshToken?: string;
  status?: number;
}

export interface Wire {
  url: string;
  records: WireRecord[];
  /** Requests to the token endpoint, optionally of one grant type. */
  tokenRequests(grantType?: string): WireRecord[];
  /** Extra latency added to token endpoint responses. */
  tokenDelayMs: number;
  /** Holds every token request until the returned function is called (none is answered meanwhile). */
  holdTokens(): () => void;
  /** Token requests received and not yet answered. */
  readonly tokensHeld: number;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWire(upstream: string): Promise<Wire> {
  let server: Server | undefined;
  let port = 0;
  let url = '';
  const records: WireRecord[] = [];
  let gate: Promise<void> | undefined;
  let held = 0;

  const handler = async (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = await readBody(req);
    const record: WireRecord = { method: req.method ?? 'GET', path };
    if (path === '/oauth/token') {
      const params = (req.headers['content-type'] ?? '').includes('json')
        ? new Map(Object.entries(JSON.parse(body || '{}') as Record<string, string>))
        : new URLSearchParams(body);
      const grantType = params.get('grant_type');
      const refreshToken = params.get('refresh_token');
      if (grantType) record.grantType = grantType;
      if (refreshToken) record.refreshToken = refreshToken;
      if (wire.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, wire.tokenDelayMs));
      if (gate) {
        held++;
        await gate;
        held--;
      }
    }
    records.push(record);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)) headers.set(name, value);
    }
    const upstreamResponse = await fetch(upstream + (req.url ?? '/'), {
      method: req.method ?? 'GET',
      headers,
      ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
    });
    record.status = upstreamResponse.status;
    let text = await upstreamResponse.text();
    if (path.startsWith('/.well-known/')) text = text.replaceAll(upstream, url);
    const out: Record<string, string> = {};
    for (const name of ['content-type', 'www-authenticate', 'cache-control', 'x-auth-reason']) {
      const value = upstreamResponse.headers.get(name);
      if (value) out[name] = value;
    }
    res.writeHead(upstreamResponse.status, { ...out, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const wire: Wire = {
    get url() { return url; },
    records,
    tokenDelayMs: 0,
    holdTokens() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    get tokensHeld() { return held; },
    tokenRequests: (grantType) => records.filter((r) => r.path === '/oauth/token' && (!grantType || r.grantType === grantType)),
    async down() {
      if (server) await close(server);
      server = undefined;
    },
    async up() {
      if (server) return;
      const started = await listen(handler, port); // same port: the SDK keeps talking to the same issuer URL
      server = started.server;
      url = started.url;
      port = Number(new URL(url).port);
    },
    stop: () => wire.down(),
  };
  await wire.up();
  return wire;
}
