import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';

export interface User {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  emailVerified: boolean;
  isAdmin: boolean;
  picture: string | null;
  locale: string | null;
  passwordGrant: boolean;
  /** Disabled by an administrator: no login, no token, no session works. */
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface NewUser {
  email: string;
  name?: string | undefined;
  passwordHash: string;
  isAdmin?: boolean;
  emailVerified?: boolean;
}

function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    passwordHash: r.password_hash,
    emailVerified: r.email_verified === 1,
    isAdmin: r.is_admin === 1,
    picture: r.picture,
    locale: r.locale,
    passwordGrant: r.password_grant === 1,
    disabled: r.disabled_at !== null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class UserRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(u: NewUser): Promise<User> {
    const now = Date.now();
    const email = normalizeEmail(u.email);
    const row = {
      id: newId(),
      email,
      name: u.name?.trim() || email.split('@')[0]!,
      password_hash: u.passwordHash,
      email_verified: u.emailVerified ? 1 : 0,
      is_admin: u.isAdmin ? 1 : 0,
      picture: null,
      locale: null,
      password_grant: 1,
      created_at: now,
      updated_at: now,
      disabled_at: null,
    };
    await this.#db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const r = await this.#db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    return r && toUser(r);
  }

  async findById(id: string): Promise<User | undefined> {
    const r = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  async count(): Promise<number> {
    const r = await this.#db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.#db.updateTable('users').set({ password_hash: passwordHash, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  async setPasswordGrant(id: string, allowed: boolean): Promise<void> {
    await this.#db.updateTable('users').set({ password_grant: allowed ? 1 : 0, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  /** Disables (a time) or enables (null) the account. */
  async setDisabled(id: string, at: number | null): Promise<void> {
    await this.#db.updateTable('users').set({ disabled_at: at, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  /** Deletes the account and what only it owns: memberships, app tokens, sessions, consents (in one transaction). */
  async delete(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('members').where('principal_type', '=', 'user').where('principal_id', '=', id).execute();
      for (const table of ['app_tokens', 'consents'] as const) await tx.deleteFrom(table).where('user_id', '=', id).execute();
      const r = await tx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }
}
