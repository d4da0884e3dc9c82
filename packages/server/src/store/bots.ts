import type { Kysely, Selectable } from 'kysely';
import type { BotsTable, Database } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';
import type { Role } from './projects.ts';

export interface Bot {
  id: string;
  projectId: string;
  name: string;
  email: string;
  secretHash: string;
  secretPrefix: string;
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
  passwordGrant: boolean;
  /** Turned off when the bot authenticates with keys or federation only; rotating the secret turns it on again. */
  secretEnabled: boolean;
  /** The subject of who created it (a developer may rotate or delete only bots they created); null before 0004. */
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

function toBot(r: Selectable<BotsTable>): Bot {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    email: r.email,
    secretHash: r.secret_hash,
    secretPrefix: r.secret_prefix,
    previousSecretHash: r.previous_secret_hash,
    previousSecretExpiresAt: r.previous_secret_expires_at,
    passwordGrant: r.password_grant === 1,
    secretEnabled: r.secret_disabled !== 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewBot {
  projectId: string;
  name: string;
  email: string;
  secretHash: string;
  secretPrefix: string;
  role: Role;
  createdBy?: string | null | undefined;
}

export class BotRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Creates the bot and its project membership together. */
  async create(b: NewBot): Promise<Bot> {
    const now = Date.now();
    const row = {
      id: newId(),
      project_id: b.projectId,
      name: b.name,
      email: b.email,
      secret_hash: b.secretHash,
      secret_prefix: b.secretPrefix,
      previous_secret_hash: null,
      previous_secret_expires_at: null,
      password_grant: 1,
      secret_disabled: 0,
      created_by: b.createdBy ?? null,
      created_at: now,
      updated_at: now,
    };
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('bots').values(row).execute();
      await tx
        .insertInto('members')
        .values({ project_id: b.projectId, principal_type: 'bot', principal_id: row.id, role: b.role, created_at: now })
        .execute();
    });
    return toBot(row);
  }

  async findByEmail(email: string): Promise<Bot | undefined> {
    const r = await this.#db.selectFrom('bots').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    return r && toBot(r);
  }

  async findById(id: string): Promise<Bot | undefined> {
    const r = await this.#db.selectFrom('bots').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toBot(r);
  }

  async list(projectId: string): Promise<Bot[]> {
    const rows = await this.#db.selectFrom('bots').selectAll().where('project_id', '=', projectId).orderBy('created_at').execute();
    return rows.map(toBot);
  }

  /** Replaces the secret; the old one keeps working until `graceUntil` (or stops at once when null).
   * One UPDATE (SET reads the old row), so concurrent rotations cannot interleave. */
  async rotateSecret(id: string, secretHash: string, secretPrefix: string, graceUntil: number | null): Promise<boolean> {
    const r = await this.#db
      .updateTable('bots')
      .set((eb) => ({
        previous_secret_hash: graceUntil === null ? null : eb.ref('secret_hash'),
        previous_secret_expires_at: graceUntil,
        secret_hash: secretHash,
        secret_prefix: secretPrefix,
        secret_disabled: 0,
        updated_at: Date.now(),
      }))
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setPasswordGrant(id: string, allowed: boolean): Promise<void> {
    await this.#db.updateTable('bots').set({ password_grant: allowed ? 1 : 0, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  /** Turns the secret (and any previous one in its grace period) off. */
  async disableSecret(id: string): Promise<void> {
    await this.#db.updateTable('bots').set({ secret_disabled: 1, previous_secret_hash: null, previous_secret_expires_at: null, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('members').where('principal_type', '=', 'bot').where('principal_id', '=', id).execute();
      await tx.deleteFrom('grants').where('bot_id', '=', id).execute();
      await tx.deleteFrom('federation_rules').where('bot_id', '=', id).execute();
      await tx.deleteFrom('management_grants').where('bot_id', '=', id).execute();
      const r = await tx.deleteFrom('bots').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }
}
