// `--port 0`: pick a free port before building anything, so the issuer (the `iss` of every token) names it.
import net from 'node:net';
import { type Config, withIssuer } from './config.ts';

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** The port to listen on and the config whose default issuer names it (an explicit issuer is kept). */
export async function resolvePort(config: Config): Promise<{ config: Config; port: number }> {
  if (config.port !== 0) return { config, port: config.port };
  const port = await freePort(config.host);
  // The default issuer (http://HOST:0, built by loadConfig) gets the real port.
  return { config: config.issuer.endsWith(':0') ? withIssuer(config, config.issuer.replace(/:0$/, `:${port}`)) : config, port };
}
