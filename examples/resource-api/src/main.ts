import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`resource-api: ${error.message}`);
  process.exit(1);
}

const app = buildApp({ issuer: config.issuer, audience: config.audience, revocationPollMs: config.revocationPollMs, logger: true });
await app.listen({ port: config.port, host: config.host });
app.log.info({ issuer: config.issuer, audience: config.audience }, 'protected by @gatehouse/verify');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
