// The few members of oidc-provider (plain JavaScript, no bundled types) that the bench uses.
declare module 'oidc-provider' {
  import type { Server } from 'node:http';
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number, host: string, callback: () => void): Server;
    static errors: { InvalidTarget: new (description?: string) => Error };
  }
}
