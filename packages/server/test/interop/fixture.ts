// What every interop test starts from: one real Gatehouse (one per test file), a bot granted one scope on one API,
// and a user who logs in through the built-in public client. The clients under test find everything through
// discovery, with their default settings; where one needs another setting, its test says why in one line.
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';

export const API = 'https://interop.example';
export const PUBLIC_CLIENT = 'gatehouse-public';

export interface InteropFixture {
  readonly gh: Gatehouse;
  /** A confidential client (client_secret_basic / client_secret_post) granted `read` on API. */
  readonly bot: BotCredentials;
  /** A person, logging in with the password grant through the public client. */
  readonly user: { readonly email: string; readonly password: string; readonly name: string };
}

export async function interopFixture(): Promise<InteropFixture> {
  const gh = await startGatehouse();
  const bot = await gh.createBot({ name: 'interop-bot' });
  const api = await gh.createApi({ identifier: API, scopes: ['read', 'write'] });
  await gh.grant(api.id, bot.id, ['read']);
  const user = { email: 'interop@example.com', password: 'interop password 1', name: 'Inter Op' };
  await gh.createUser(user);
  return { gh, bot, user };
}

/** Whether Gatehouse still takes an access token: the management API answers 200 or 401. */
export async function managementStatus(gh: Gatehouse, token: string): Promise<number> {
  return (await fetch(`${gh.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}
