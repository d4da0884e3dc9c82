// Everything the HTTP layer hands to routes: the app-wide services (built by src/services.ts) plus what only a
// running server has.
import type { Config } from '../config.ts';
import type { OAuthServices } from '../oauth/context.ts';
import type { ManagementServices } from '../domain/services.ts';
import type { Cluster } from '../cluster/index.ts';
import type { Jobs } from '../ops/jobs.ts';

export interface AppContext extends OAuthServices, ManagementServices {
  readonly config: Config;
  readonly startedAt: number;
  /** Node-to-node services (caches, change notifications, Redis); absent in apps built without a server. */
  readonly cluster?: Cluster | undefined;
  /** Background jobs (their run counts reach /metrics); absent in apps built without a server. */
  readonly jobs?: Jobs | undefined;
}
