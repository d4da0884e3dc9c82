// One Gatehouse (real or stand-in) with the wire proxy in front, a protected API beside it, and a bot granted
// `read write` on a fresh audience. `suite()` runs a describe block once per backend; a backend that cannot run
// here (the real server's harness not written yet) gets one loudly skipped test instead of silent absence.
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { backendKinds, type Backend, type BackendKind, type Bot } from './backend.ts';
import { startResource, type Resource } from './resource.ts';
import { startWire, type Wire } from './wire.ts';

export interface Fixture {
  backend: Backend;
  /** The issuer URL the SDK is given: the wire proxy. */
  issuer: string;
  wire: Wire;
  resource: Resource;
  bot: Bot;
  audience: string;
  /** The API's token lifetime in seconds: the one asked for, raised to the backend's minimum. */
  tokenLifetime: number;
  close(): Promise<void>;
}

export async function startFixture(kind: BackendKind, options: { tokenLifetime?: number } = {}): Promise<Fixture> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const close = async (): Promise<void> => {
    for (const part of started.reverse()) await part.stop();
  };
  try {
    const backend = await kind.start();
    started.push(backend);
    const wire = await startWire(backend.url);
    started.push(wire);
    const introspector = await backend.createBot({ name: 'introspector' });
    const resource = await startResource(backend.url, introspector);
    started.push(resource);
    const audience = `https://api-${randomUUID().slice(0, 8)}.example`;
    const tokenLifetime = options.tokenLifetime === undefined ? undefined : Math.max(options.tokenLifetime, kind.minTokenLifetime);
    const api = await backend.createApi({
      identifier: audience,
      scopes: ['read', 'write'],
      ...(tokenLifetime === undefined ? {} : { token_lifetime: tokenLifetime }),
    });
    const bot = await backend.createBot({ name: 'worker' });
    await backend.grant(api.id, bot.id, ['read', 'write']);
    return { backend, issuer: wire.url, wire, resource, bot, audience, tokenLifetime: tokenLifetime ?? 86400, close };
  } catch (error) {
    await close(); // a half-started fixture must not keep a server (or a child process) alive
    throw error;
  }
}

export function suite(title: string, body: (kind: BackendKind) => void): void {
  for (const kind of backendKinds()) {
    describe(`${title} [${kind.name}]`, () => {
      if (kind.missing) {
        console.error(`\n!!!!! ${title}: ${kind.missing} !!!!!\n`);
        it(`PENDING on a real Gatehouse: ${title}`, (t) => { t.skip(kind.missing); });
        return;
      }
      body(kind);
    });
  }
}
