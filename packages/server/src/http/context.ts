// Everything the HTTP layer hands to routes, built once at start-up.
import type { Config } from '../config.ts';
import type { OAuthServices } from '../oauth/context.ts';
import type { AppTokens } from '../domain/app-tokens.ts';
import type { Cluster } from '../cluster/index.ts';
import type { Jobs } from '../ops/jobs.ts';

export interface AppContext extends OAuthServices {
  readonly config: Config;
  readonly appTokens: AppTokens;
  readonly startedAt: number;
  /** Node-to-node services (caches, change notifications, Redis); absent in apps built without a server. */
  readonly cluster?: Cluster | undefined;
  /** Background jobs (their run counts reach /metrics); absent in apps built without a server. */
  readonly jobs?: Jobs | undefined;
}
