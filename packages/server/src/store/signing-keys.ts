import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeysTable } from '../db/schema.ts';
import { isUniqueViolation } from './json.ts';

export type KeyState = 'next' | 'active' | 'retiring' | 'retired';

export interface StoredKey {
  kid: string;
  alg: string;
  publicJwk: string;
  privateEnc: string;
  state: KeyState;
  createdAt: number;
  activatedAt: number | null;
  retiringAt: number | null;
  publishUntil: number | null;
}

function toKey(r: Selectable<SigningKeysTable>): StoredKey {
  return {
    kid: r.kid,
    alg: r.alg,
    publicJwk: r.public_jwk,
    privateEnc: r.private_enc,
    state: r.state,
    createdAt: r.created_at,
    activatedAt: r.activated_at,
    retiringAt: r.retiring_at,
    publishUntil: r.publish_until,
  };
}

function toRow(k: StoredKey) {
  return {
    kid: k.kid,
    alg: k.alg,
    public_jwk: k.publicJwk,
    private_enc: k.privateEnc,
    state: k.state,
    created_at: k.createdAt,
    activated_at: k.activatedAt,
    retiring_at: k.retiringAt,
    publish_until: k.publishUntil,
  };
}

export class SigningKeyRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(): Promise<StoredKey[]> {
    return (await this.#db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute()).map(toKey);
  }

  async insert(k: StoredKey): Promise<void> {
    await this.#db
      .insertInto('signing_keys')
      .values(toRow(k))
      .execute();
  }

  /**
   * Applies a rotation plan in one transaction, but only if the keys are still in the states the plan was made
   * from (compare-and-set), so two nodes rotating at once cannot both win.
   */
  async applyRotation(expected: ReadonlyMap<string, KeyState>, updates: readonly Partial<StoredKey>[], inserts: readonly StoredKey[]): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('signing_keys').select(['kid', 'state']).execute();
      for (const [kid, state] of expected) {
        if (current.find((c) => c.kid === kid)?.state !== state) return false;
      }
      for (const u of updates) {
        if (!u.kid) continue;
        const set: Record<string, unknown> = {};
        if (u.state !== undefined) set.state = u.state;
        if (u.activatedAt !== undefined) set.activated_at = u.activatedAt;
        if (u.retiringAt !== undefined) set.retiring_at = u.retiringAt;
        if (u.publishUntil !== undefined) set.publish_until = u.publishUntil;
        const r = await tx
          .updateTable('signing_keys')
          .set(set)
          .where('kid', '=', u.kid)
          .where('state', '=', expected.get(u.kid) ?? (u.state as KeyState))
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new RotationConflict();
      }
      for (const k of inserts) {
        await tx
          .insertInto('signing_keys')
          .values(toRow(k))
          .execute();
      }
      return true;
    }).catch((err: unknown) => {
      // A unique violation: another node inserted this algorithm's active or next key first (0002_cluster).
      if (err instanceof RotationConflict || isUniqueViolation(err)) return false;
      throw err;
    });
  }
}

class RotationConflict extends Error {}
