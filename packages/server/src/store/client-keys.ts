// The public keys a client signs its private_key_jwt assertions with (RFC 7523 §2.2): registered inline (each
// with its pinned algorithm and an optional expiry), or fetched from the client's jwks_uri. Keyed by client_id
// (a bot's email, a registered client's id), which is what an assertion names in `iss`.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface ClientKey {
  clientId: string;
  kid: string;
  alg: string;
  /** The public JWK as registered (no private members). */
  jwk: Record<string, unknown>;
  expiresAt: number | null;
  createdAt: number;
}

export class ClientKeyRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(clientId: string): Promise<ClientKey[]> {
    const rows = await this.#db.selectFrom('client_keys').selectAll().where('client_id', '=', clientId).orderBy('created_at').execute();
    return rows.map((r) => ({ clientId: r.client_id, kid: r.kid, alg: r.alg, jwk: JSON.parse(r.jwk) as Record<string, unknown>, expiresAt: r.expires_at === null ? null : Number(r.expires_at), createdAt: Number(r.created_at) }));
  }

  /** Adds a key; a kid the client already has is a unique violation. */
  async add(k: Omit<ClientKey, 'createdAt'>, now: number): Promise<ClientKey> {
    await this.#db.insertInto('client_keys').values({ client_id: k.clientId, kid: k.kid, alg: k.alg, jwk: JSON.stringify(k.jwk), expires_at: k.expiresAt, created_at: now }).execute();
    return { ...k, createdAt: now };
  }

  async remove(clientId: string, kid: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('client_keys').where('client_id', '=', clientId).where('kid', '=', kid).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async jwksUri(clientId: string): Promise<string | undefined> {
    const r = await this.#db.selectFrom('client_jwks_uris').select('uri').where('client_id', '=', clientId).executeTakeFirst();
    return r?.uri;
  }

  async setJwksUri(clientId: string, uri: string | null, now: number): Promise<void> {
    await this.#db.deleteFrom('client_jwks_uris').where('client_id', '=', clientId).execute();
    if (uri !== null) await this.#db.insertInto('client_jwks_uris').values({ client_id: clientId, uri, created_at: now }).execute();
  }

  /** Everything a deleted client registered. */
  async removeClient(clientId: string): Promise<void> {
    await this.#db.deleteFrom('client_keys').where('client_id', '=', clientId).execute();
    await this.#db.deleteFrom('client_jwks_uris').where('client_id', '=', clientId).execute();
  }
}

/**
 * The jti of every assertion accepted, until it expires: inserting one that is already there fails on the
 * primary key, on every node that shares the database, so an assertion is accepted once (RFC 7523 §3 item 7).
 */
export class AssertionJtiRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** True when `key` was not seen before (and is now recorded until `expiresAt`); false on a replay. */
  async use(key: string, expiresAt: number, now: number): Promise<boolean> {
    // A row past its expiry that the sweep has not removed yet does not make a fresh jti look replayed.
    await this.#db.deleteFrom('assertion_jtis').where('key', '=', key).where('expires_at', '<=', now).execute();
    const r = await this.#db.insertInto('assertion_jtis').values({ key, expires_at: expiresAt }).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    const r = await this.#db.deleteFrom('assertion_jtis').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
