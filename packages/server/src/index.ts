// @gatehouse/server as a library: start a node in-process (tests, embedding), read the configuration, run the CLI.
export { startServer } from './server.ts';
export { openServices, ensureAdmin } from './services.ts';
export type { RunningServer, StartOptions } from './server.ts';
export { loadConfig, withIssuer, SETTINGS, SIGNING_ALGS, ConfigError } from './config.ts';
export type { Config, SigningAlg } from './config.ts';
export { main } from './cli.ts';
