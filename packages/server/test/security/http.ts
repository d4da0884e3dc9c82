// Raw HTTP for the security tests: any method, header or body bytes, and a chosen local address (127.0.0.2 and
// friends are all loopback on Linux), so "another client IP" is a real TCP peer, not a spoofable header.
import http from 'node:http';

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Source address of the TCP connection. */
  from?: string;
}

export function send(base: string, r: RawRequest): Promise<RawReply> {
  const url = new URL(r.path, base);
  const headers: Record<string, string | string[]> = { ...r.headers };
  // Node's client sends DELETE and OPTIONS bodies without any framing unless told the length.
  const framed = Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h));
  if (r.body !== undefined && !framed) headers['content-length'] = String(Buffer.byteLength(r.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: r.method ?? 'GET',
        headers,
        localAddress: r.from,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (r.body !== undefined) req.end(r.body);
    else req.end();
  });
}

export const formHeaders = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/x-www-form-urlencoded', ...extra });

/** POST a form to `path` (default /oauth/token). */
export function postForm(base: string, params: Record<string, string>, o: { path?: string; from?: string; headers?: Record<string, string> } = {}): Promise<RawReply> {
  return send(base, { method: 'POST', path: o.path ?? '/oauth/token', headers: formHeaders(o.headers), body: new URLSearchParams(params).toString(), from: o.from });
}

/** RFC 6749 §2.3.1: id and secret form-urlencoded, joined with a colon, base64. */
export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64');
}
