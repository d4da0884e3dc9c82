// The key ring signs through the synchronous signer: tokens of every algorithm verify with jose against the
// published keys, keys that cannot sign fail closed, and a rotation while tokens are being minted loses none.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Keyring } from '../../src/domain/keyring.ts';
import type { KeyState, SigningKeyRepository, StoredKey } from '../../src/store/signing-keys.ts';
import { SIGNING_ALGS } from '../../src/config.ts';
import { TokenMinter } from '../../src/domain/tokens.ts';
import type { RevocationRepository } from '../../src/store/revocations.ts';

/** The repository contract the key ring uses (list, compare-and-set rotation), in memory. */
function memoryRepo(): SigningKeyRepository & { keys: StoredKey[] } {
  const keys: StoredKey[] = [];
  return {
    keys,
    async list() {
      return keys.map((k) => ({ ...k }));
    },
    async insert(k: StoredKey) {
      keys.push({ ...k });
    },
    async applyRotation(expected: ReadonlyMap<string, KeyState>, updates: readonly Partial<StoredKey>[], inserts: readonly StoredKey[]) {
      for (const [kid, state] of expected) if (keys.find((k) => k.kid === kid)?.state !== state) return false;
      for (const u of updates) Object.assign(keys.find((k) => k.kid === u.kid)!, u);
      for (const k of inserts) keys.push({ ...k });
      return true;
    },
  } as unknown as SigningKeyRepository & { keys: StoredKey[] };
}

const options = { encryptionKey: Buffer.alloc(32, 9), rotationDays: 90, maxTokenSeconds: () => 86400, defaultAlg: 'ES256' as const };
const noRevocations = { isRevoked: async () => false } as unknown as RevocationRepository;

describe('key ring signing', () => {
  test('every algorithm: access and ID tokens verify with jose against the published JWKS', async () => {
    const ring = new Keyring(memoryRepo(), options);
    await ring.load([...SIGNING_ALGS]);
    const minter = new TokenMinter('https://issuer.test', ring, noRevocations);
    const jwks = createLocalJWKSet(JSON.parse(ring.jwksJson()));
    for (const alg of SIGNING_ALGS) {
      const at = await minter.accessToken({ sub: 'bot_1', audience: ['https://api'], scope: ['a', 'b'], clientId: 'c1', lifetime: 60, alg });
      const v = await jwtVerify(at.token, jwks, { issuer: 'https://issuer.test', audience: 'https://api', typ: 'at+jwt', algorithms: [alg] });
      assert.equal(v.payload.jti, at.jti);
      assert.equal(v.payload.scope, 'a b');
      assert.equal(v.payload.exp, at.exp);
      const idt = await minter.idToken({ email: 'u@x' }, 'usr_1', 'client', 60, alg);
      const iv = await jwtVerify(idt, jwks, { issuer: 'https://issuer.test', audience: 'client', typ: 'JWT', algorithms: [alg] });
      assert.equal(iv.payload.email, 'u@x');
      assert.equal((await minter.check(at.token, 'https://api')).ok, true, `${alg}: the server's own check accepts it`);
    }
  });

  test('an active key whose sealed private part is not its own fails closed: the ring refuses to load', async () => {
    const repo = memoryRepo();
    const ring = new Keyring(repo, options);
    await ring.load(['ES256', 'RS256']);
    // Swap the RS256 active key's sealed private part for the ES256 one (same master key, but sealed for another kid).
    const es = repo.keys.find((k) => k.alg === 'ES256' && k.state === 'active')!;
    const rs = repo.keys.find((k) => k.alg === 'RS256' && k.state === 'active')!;
    rs.privateEnc = es.privateEnc;
    await assert.rejects(new Keyring(repo, options).load(['ES256', 'RS256']), /unable to authenticate|Unsupported state/);
    // A key of the wrong type for its algorithm is refused by the signer itself (jws-signer.test.ts).
  });

  test('no active key at all: signing throws rather than minting with anything else', async () => {
    const repo = memoryRepo();
    const ring = new Keyring(repo, options);
    await ring.load(['ES256']);
    for (const k of repo.keys) k.state = 'retired';
    await ring.refresh();
    const minter = new TokenMinter('https://issuer.test', ring, noRevocations);
    await assert.rejects(minter.accessToken({ sub: 's', audience: ['a'], scope: [], clientId: 'c', lifetime: 60, alg: 'ES256' }), /no active signing key/);
  });

  test('rotations while tokens are minted: every token verifies against the keys published afterwards', async () => {
    const repo = memoryRepo();
    const ring = new Keyring(repo, options);
    await ring.load(['ES256', 'EdDSA']);
    const minter = new TokenMinter('https://issuer.test', ring, noRevocations);
    const tokens: string[] = [];
    let rotating = true;
    // Minting goes on until the rotations are done: a rotation also makes RS256 keys (the ID tokens' key, always
    // held), slow enough on a loaded machine that a fixed count of tokens could all be signed before the first.
    const mint = async (n: number) => {
      for (let i = 0; i < n || rotating; i++) {
        const alg = i % 2 ? 'EdDSA' : 'ES256';
        tokens.push((await minter.accessToken({ sub: 's', audience: ['https://api'], scope: [], clientId: 'c', lifetime: 60, alg })).token);
        if (i % 10 === 0) await new Promise((r) => setImmediate(r));
      }
    };
    const rotate = async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        assert.ok(await ring.rotate(Date.now(), true));
      }
      rotating = false;
    };
    await Promise.all([mint(300), mint(300), rotate()]);
    const kids = new Set(tokens.map((t) => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()).kid));
    assert.ok(kids.size >= 4, `tokens were signed by several keys across the rotations (${kids.size})`);
    const jwks = createLocalJWKSet(JSON.parse(ring.jwksJson()));
    for (const t of tokens) await jwtVerify(t, jwks, { audience: 'https://api' });
  });
});
