// Signing keys: generated here, private parts encrypted at rest (AES-256-GCM), one algorithm per key.
// Life of a key: next (published, not signing) -> active (signing) -> retiring (published until every token it
// signed has expired) -> retired (gone from JWKS). Verifiers therefore always see a key before its first token.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type CryptoKey, type JWK, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { KeyState, StoredKey } from '../store/signing-keys.ts';
import type { SigningKeyRepository } from '../store/signing-keys.ts';
import { SIGNING_ALGS, type SigningAlg } from '../config.ts';
import { type JwsSigner, createJwsSigner } from '../crypto/jws-signer.ts';

/**
 * OpenID Connect Discovery §3: id_token_signing_alg_values_supported MUST include RS256, and Core §15.1 makes it the
 * default a relying party may assume. The key ring therefore always holds (and rotates) an RS256 key, whatever the
 * default algorithm of access tokens.
 */
export const ID_TOKEN_DEFAULT_ALG: SigningAlg = 'RS256';

export interface ActiveKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  /** Signs with node:crypto synchronously (jws-signer.ts); prepared once when the key becomes active here. */
  readonly signer: JwsSigner;
}

interface LoadedKey extends StoredKey {
  publicKey?: CryptoKey;
  signer?: JwsSigner;
}

export interface KeyringOptions {
  readonly encryptionKey: Buffer;
  readonly rotationDays: number;
  /** Longest lifetime of anything a key signs, in seconds: how long a retiring key stays published. */
  readonly maxTokenSeconds: () => number;
  readonly defaultAlg: SigningAlg;
}

function encrypt(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

function decrypt(key: Buffer, sealed: string, aad: string): string {
  const [v, iv, tag, body] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || !body) throw new Error('unreadable encrypted signing key');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
}

const GEN_OPTIONS: Record<SigningAlg, Parameters<typeof generateKeyPair>[1]> = {
  ES256: { extractable: true },
  EdDSA: { extractable: true, crv: 'Ed25519' },
  RS256: { extractable: true, modulusLength: 2048 },
  PS256: { extractable: true, modulusLength: 2048 },
};

export class Keyring {
  readonly #repo: SigningKeyRepository;
  readonly #opts: KeyringOptions;
  #keys: LoadedKey[] = [];
  #jwksJson = '{"keys":[]}';
  #active = new Map<string, ActiveKey>();
  #reloading: Promise<void> = Promise.resolve();

  constructor(repo: SigningKeyRepository, opts: KeyringOptions) {
    this.#repo = repo;
    this.#opts = opts;
  }

  async #generate(alg: SigningAlg, state: KeyState, now: number): Promise<StoredKey> {
    const { publicKey, privateKey } = await generateKeyPair(alg, GEN_OPTIONS[alg]);
    const kid = randomBytes(12).toString('base64url');
    const pub = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const priv = await exportJWK(privateKey);
    return {
      kid,
      alg,
      publicJwk: JSON.stringify(pub),
      privateEnc: encrypt(this.#opts.encryptionKey, JSON.stringify(priv), kid),
      state,
      createdAt: now,
      activatedAt: state === 'active' ? now : null,
      retiringAt: null,
      publishUntil: null,
    };
  }

  /**
   * Reads the keys from the store; creates an active and a next key for each of `ensureAlgs`, the default
   * algorithm and RS256 (always held: ID tokens) that has none.
   */
  async load(ensureAlgs: readonly SigningAlg[] = []): Promise<void> {
    let stored = await this.#repo.list();
    const wanted = [...new Set([this.#opts.defaultAlg, ID_TOKEN_DEFAULT_ALG, ...ensureAlgs])].filter((alg) => !stored.some((k) => k.alg === alg && k.state === 'active'));
    // Generated together (RSA key generation runs on libuv's pool), stored one algorithm at a time.
    const now = Date.now();
    const pairs = await Promise.all(wanted.map((alg) => Promise.all([this.#generate(alg, 'active', now), this.#generate(alg, 'next', now)])));
    for (const [i, alg] of wanted.entries()) {
      const inserts = pairs[i]!;
      // Compare-and-set against "no key for this alg", so nodes starting together create one pair.
      const expected = new Map(stored.filter((k) => k.alg === alg).map((k) => [k.kid, k.state] as const));
      const hasNext = stored.find((k) => k.alg === alg && k.state === 'next');
      if (hasNext) {
        await this.#repo.applyRotation(expected, [{ kid: hasNext.kid, state: 'active', activatedAt: now }], [inserts[1]!]);
      } else {
        await this.#repo.applyRotation(expected, [], inserts);
      }
      stored = await this.#repo.list();
    }
    await this.#reload();
  }

  /**
   * Lists and installs the keys, one reload at a time: nodes reload when another rotates (src/cluster), and an
   * install of an older list finishing after a newer one would publish a stale JWKS until the next reload.
   */
  #reload(): Promise<void> {
    const next = this.#reloading.then(async () => this.#install(await this.#repo.list()));
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  async #install(stored: StoredKey[]): Promise<void> {
    const previous = new Map(this.#keys.map((k) => [k.kid, k]));
    const keys: LoadedKey[] = [];
    const active = new Map<string, ActiveKey>();
    for (const s of stored) {
      const known = previous.get(s.kid);
      const k: LoadedKey = { ...s, publicKey: known?.publicKey, signer: known?.signer };
      if (s.state !== 'retired') {
        k.publicKey ??= (await importJWK(JSON.parse(s.publicJwk) as JWK, s.alg)) as CryptoKey;
      }
      if (s.state === 'active') {
        k.signer ??= createJwsSigner(JSON.parse(decrypt(this.#opts.encryptionKey, s.privateEnc, s.kid)) as JWK, s.alg as SigningAlg, s.kid);
        const cur = active.get(s.alg);
        if (!cur || (s.activatedAt ?? 0) > (keys.find((x) => x.kid === cur.kid)?.activatedAt ?? 0)) {
          active.set(s.alg, { kid: s.kid, alg: s.alg as SigningAlg, signer: k.signer });
        }
      }
      keys.push(k);
    }
    this.#keys = keys;
    this.#active = active;
    this.#jwksJson = JSON.stringify({
      keys: keys.filter((k) => k.state !== 'retired').map((k) => JSON.parse(k.publicJwk) as JWK),
    });
  }

  /** The key that signs for `alg` now. */
  signingKey(alg: SigningAlg): ActiveKey {
    const k = this.#active.get(alg) ?? this.#active.get(this.#opts.defaultAlg);
    if (!k) throw new Error(`no active signing key for ${alg}`);
    return k;
  }

  hasActive(alg: SigningAlg): boolean {
    return this.#active.has(alg);
  }

  /** A published public key by kid, for verifying Gatehouse's own tokens. */
  publicKey(kid: string): { key: CryptoKey; alg: string } | undefined {
    const k = this.#keys.find((x) => x.kid === kid && x.state !== 'retired');
    return k?.publicKey && { key: k.publicKey, alg: k.alg };
  }

  jwksJson(): string {
    return this.#jwksJson;
  }

  algorithms(): SigningAlg[] {
    return SIGNING_ALGS.filter((a) => this.#keys.some((k) => k.alg === a && k.state !== 'retired'));
  }

  list(): Omit<StoredKey, 'privateEnc' | 'publicJwk'>[] {
    return this.#keys.map(({ kid, alg, state, createdAt, activatedAt, retiringAt, publishUntil }) => ({ kid, alg, state, createdAt, activatedAt, retiringAt, publishUntil }));
  }

  /** True when the active key of some algorithm is older than the rotation period. */
  rotationDue(now: number): boolean {
    const period = this.#opts.rotationDays * 86_400_000;
    return this.#keys.some((k) => k.state === 'active' && (k.activatedAt ?? k.createdAt) + period <= now) ||
      this.#keys.some((k) => k.state === 'retiring' && (k.publishUntil ?? 0) <= now);
  }

  /**
   * Rotates every algorithm (or only those due, unless `force`): next -> active, active -> retiring, a new next;
   * retiring keys past their publication window -> retired. Returns false when another node rotated first.
   */
  async rotate(now: number, force: boolean): Promise<{ rotated: string[]; retired: string[] } | false> {
    const stored = await this.#repo.list();
    const expected = new Map(stored.map((k) => [k.kid, k.state] as const));
    const updates: Partial<StoredKey>[] = [];
    const inserts: StoredKey[] = [];
    const rotated: string[] = [];
    const retired: string[] = [];
    const period = this.#opts.rotationDays * 86_400_000;
    const publishUntil = now + (this.#opts.maxTokenSeconds() + 300) * 1000;
    for (const alg of SIGNING_ALGS) {
      const active = stored.find((k) => k.alg === alg && k.state === 'active');
      if (!active) continue;
      if (!force && (active.activatedAt ?? active.createdAt) + period > now) continue;
      const next = stored.find((k) => k.alg === alg && k.state === 'next');
      updates.push({ kid: active.kid, state: 'retiring', retiringAt: now, publishUntil });
      if (next) {
        updates.push({ kid: next.kid, state: 'active', activatedAt: now });
        rotated.push(next.kid);
      } else {
        const fresh = await this.#generate(alg, 'active', now);
        inserts.push(fresh);
        rotated.push(fresh.kid);
      }
      inserts.push(await this.#generate(alg, 'next', now));
    }
    for (const k of stored) {
      if (k.state === 'retiring' && (k.publishUntil ?? 0) <= now) {
        updates.push({ kid: k.kid, state: 'retired' });
        retired.push(k.kid);
      }
    }
    if (updates.length === 0 && inserts.length === 0) return { rotated, retired };
    const ok = await this.#repo.applyRotation(expected, updates, inserts);
    await this.#reload();
    return ok ? { rotated, retired } : false;
  }

  /** Re-reads keys (another node may have rotated). */
  async refresh(): Promise<void> {
    await this.#reload();
  }
}
