// Small helpers for the test servers (stand-in, wire proxy, resource API): listen, read a body, answer JSON.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export async function listen(handler: Handler, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: String(error) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${address.port}` };
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Form or JSON body as a flat map; duplicates are reported so the stand-in can reject them like Gatehouse. */
export function parseParams(body: string, contentType: string | undefined): { params: Map<string, string>; duplicate?: string } {
  const params = new Map<string, string>();
  if ((contentType ?? '').includes('json')) {
    for (const [key, value] of Object.entries(JSON.parse(body || '{}') as Record<string, unknown>)) params.set(key, String(value));
    return { params };
  }
  for (const [key, value] of new URLSearchParams(body)) {
    if (params.has(key)) return { params, duplicate: key };
    params.set(key, value);
  }
  return { params };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
