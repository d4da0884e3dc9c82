// What the management domain needs from the rest of Gatehouse: the OAuth services plus app tokens and the few
// settings only management reads. Built once by the composition root (server.ts) and shared by HTTP and CLI.
import type { Config } from '../config.ts';
import type { OAuthServices } from '../oauth/context.ts';
import type { AppTokens } from './app-tokens.ts';

export interface ManagementServices extends Omit<OAuthServices, 'config'> {
  readonly config: OAuthServices['config'] & Pick<Config, 'signup' | 'keyRotationDays'>;
  readonly appTokens: AppTokens;
}
