// What the client tests need from a Gatehouse: the subset of the server's test harness
// (packages/server/test/support/harness.ts) that the stand-in also implements, so each suite runs on both.
import { existsSync } from 'node:fs';

export interface Bot {
  id: string;
  email: string;
  password: string;
  client_id: string;
  client_secret: string;
}

export interface Backend {
  /** Issuer URL. */
  url: string;
  createBot(options?: { name?: string }): Promise<Bot>;
  createApi(options: { identifier: string; scopes: string[]; token_lifetime?: number }): Promise<{ id: string }>;
  grant(apiId: string, botId: string, scopes: string[]): Promise<unknown>;
  createUser(options: { email: string; password: string; name?: string }): Promise<unknown>;
  stop(): Promise<void>;
}

export interface BackendKind {
  name: 'stand-in' | 'gatehouse';
  /** Undefined when the backend cannot run here; the string says why (and the suite skips loudly). */
  missing?: string;
  /** Shortest API token lifetime (s) the backend accepts: Gatehouse refuses less than 30. */
  minTokenLifetime: number;
  start(): Promise<Backend>;
}

const harnessUrl = new URL('../../../server/test/support/harness.ts', import.meta.url);

export const standInKind: BackendKind = {
  name: 'stand-in',
  minTokenLifetime: 1,
  async start() {
    const { startStandIn } = await import('./stand-in.ts');
    return startStandIn();
  },
};

export const gatehouseKind: BackendKind = {
  name: 'gatehouse',
  minTokenLifetime: 30,
  ...(existsSync(harnessUrl)
    ? {}
    : { missing: 'HARNESS MISSING: packages/server/test/support/harness.ts does not exist yet; real-server run of this suite is PENDING' }),
  async start() {
    const harness = (await import(harnessUrl.href)) as { startGatehouse(options?: object): Promise<Backend> };
    return harness.startGatehouse();
  },
};

/** Both backends; GATEHOUSE_CLIENT_BACKEND=stand-in|gatehouse narrows to one. */
export function backendKinds(): BackendKind[] {
  const only = process.env['GATEHOUSE_CLIENT_BACKEND'];
  return [standInKind, gatehouseKind].filter((kind) => !only || kind.name === only);
}
