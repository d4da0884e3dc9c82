// Device authorization (RFC 8628): the device code and the user code, each stored by its keyed hash.
import type { Kysely, Selectable } from 'kysely';
import type { Database, DeviceCodesTable } from '../db/schema.ts';
import { fromJson, toJson } from './json.ts';

export interface DeviceCode {
  deviceCodeHash: string;
  clientId: string;
  scope: string | null;
  audience: string[] | null;
  status: 'pending' | 'approved' | 'denied' | 'used';
  userId: string | null;
  sessionId: string | null;
  intervalSeconds: number;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
}

function toDevice(r: Selectable<DeviceCodesTable>): DeviceCode {
  return {
    deviceCodeHash: r.device_code_hash,
    clientId: r.client_id,
    scope: r.scope,
    audience: r.audience === null ? null : fromJson(r.audience),
    status: r.status,
    userId: r.user_id,
    sessionId: r.session_id,
    intervalSeconds: Number(r.interval_seconds),
    lastPolledAt: r.last_polled_at === null ? null : Number(r.last_polled_at),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

export class DeviceCodeRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(d: { deviceCodeHash: string; userCodeHash: string; clientId: string; scope: string | null; audience: string[] | null; intervalSeconds: number; now: number; expiresAt: number }): Promise<void> {
    await this.#db
      .insertInto('device_codes')
      .values({
        device_code_hash: d.deviceCodeHash,
        user_code_hash: d.userCodeHash,
        client_id: d.clientId,
        scope: d.scope,
        audience: d.audience === null ? null : toJson(d.audience),
        status: 'pending',
        user_id: null,
        session_id: null,
        interval_seconds: d.intervalSeconds,
        last_polled_at: null,
        created_at: d.now,
        expires_at: d.expiresAt,
      })
      .execute();
  }

  async findByDeviceCode(hash: string): Promise<DeviceCode | undefined> {
    const r = await this.#db.selectFrom('device_codes').selectAll().where('device_code_hash', '=', hash).executeTakeFirst();
    return r && toDevice(r);
  }

  async findByUserCode(hash: string, now: number): Promise<DeviceCode | undefined> {
    const r = await this.#db.selectFrom('device_codes').selectAll().where('user_code_hash', '=', hash).where('expires_at', '>', now).executeTakeFirst();
    return r && toDevice(r);
  }

  /** Records a poll; returns the interval the device must keep from now on (raised by 5 s on a too-early poll). */
  async poll(hash: string, now: number, interval: number): Promise<void> {
    await this.#db.updateTable('device_codes').set({ last_polled_at: now, interval_seconds: interval }).where('device_code_hash', '=', hash).execute();
  }

  /** The user's decision on a pending code; false when it was no longer pending. */
  async decide(hash: string, decision: 'approved' | 'denied', userId: string, sessionId: string | null, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('device_codes')
      .set({ status: decision, user_id: userId, session_id: sessionId })
      .where('device_code_hash', '=', hash)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Spends an approved code; true for exactly one caller. */
  async consume(hash: string): Promise<boolean> {
    const r = await this.#db.updateTable('device_codes').set({ status: 'used' }).where('device_code_hash', '=', hash).where('status', '=', 'approved').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async deleteExpired(before: number): Promise<number> {
    const r = await this.#db.deleteFrom('device_codes').where('expires_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
