// The synchronous node:crypto signer beside jose: every algorithm's tokens verify with jose, ECDSA's DER → r‖s
// conversion handles every integer width, and a key that cannot sign fails closed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { type JWK, compactVerify, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { createJwsSigner, derToJose } from '../../src/crypto/jws-signer.ts';
import { SIGNING_ALGS, type SigningAlg } from '../../src/config.ts';

const GEN: Record<SigningAlg, Parameters<typeof generateKeyPair>[1]> = {
  ES256: { extractable: true },
  EdDSA: { extractable: true, crv: 'Ed25519' },
  RS256: { extractable: true, modulusLength: 2048 },
  PS256: { extractable: true, modulusLength: 2048 },
};

async function keyPair(alg: SigningAlg) {
  const { publicKey, privateKey } = await generateKeyPair(alg, GEN[alg]);
  return { publicKey, privateJwk: await exportJWK(privateKey) };
}

describe('jws signer', () => {
  for (const alg of SIGNING_ALGS) {
    test(`${alg}: tokens verify with jose, with the header jose would write`, async () => {
      const { publicKey, privateJwk } = await keyPair(alg);
      const signer = createJwsSigner(privateJwk, alg, 'kid-1');
      const claims = { iss: 'http://127.0.0.1', sub: 'bot_ü', aud: ['https://a', 'https://b'], iat: 1_900_000_000, exp: 4_000_000_000, jti: 'j', scope: 'a b' };
      // Enough ECDSA signatures that short and high-bit integers both occur in practice, not only in the unit test below.
      const rounds = alg === 'ES256' ? 300 : 5;
      for (let i = 0; i < rounds; i++) {
        const token = signer.sign(i % 2 ? 'JWT' : 'at+jwt', JSON.stringify({ ...claims, n: i }));
        const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg] });
        assert.deepEqual(protectedHeader, { alg, typ: i % 2 ? 'JWT' : 'at+jwt', kid: 'kid-1' });
        assert.equal(payload.n, i);
        assert.equal(payload.sub, 'bot_ü');
        assert.deepEqual(Object.keys(decodeProtectedHeader(token)), ['alg', 'typ', 'kid']);
      }
    });
  }

  test('a token signed for one algorithm does not verify under another key', async () => {
    const a = await keyPair('ES256');
    const b = await keyPair('ES256');
    const token = createJwsSigner(a.privateJwk, 'ES256', 'a').sign('at+jwt', '{"sub":"x"}');
    await assert.rejects(compactVerify(token, b.publicKey), /signature verification failed/);
  });

  test('a key of the wrong type for the algorithm is refused when the signer is made', async () => {
    const ec = await keyPair('ES256');
    const ed = await keyPair('EdDSA');
    const rsa = await keyPair('RS256');
    assert.throws(() => createJwsSigner(ec.privateJwk, 'RS256', 'k'), /cannot sign RS256/);
    assert.throws(() => createJwsSigner(ed.privateJwk, 'ES256', 'k'), /cannot sign ES256/);
    assert.throws(() => createJwsSigner(rsa.privateJwk, 'EdDSA', 'k'), /cannot sign EdDSA/);
    const p384 = await generateKeyPair('ES384', { extractable: true });
    const p384Jwk = await exportJWK(p384.privateKey);
    assert.throws(() => createJwsSigner(p384Jwk, 'ES256', 'k'), /cannot sign ES256|P-256/);
    // A public key (no private part) cannot make a signer at all.
    const { d: _d, ...publicOnly } = ec.privateJwk as JWK & { d: string };
    assert.throws(() => createJwsSigner(publicOnly, 'ES256', 'k'));
  });

  test('DER → r‖s: leading zeros dropped, short integers left-padded, anything else refused', () => {
    const int = (bytes: number[]) => [0x02, bytes.length, ...bytes];
    const seq = (...parts: number[][]) => Buffer.from([0x30, parts.flat().length, ...parts.flat()]);
    const r = Array.from({ length: 32 }, (_, i) => 0x80 + i); // high bit set: DER adds a 0x00
    const s = [0x01, 0x02]; // a short integer
    const out = derToJose(seq(int([0, ...r]), int(s)), 32);
    assert.equal(out.length, 64);
    assert.deepEqual([...out.subarray(0, 32)], r);
    assert.deepEqual([...out.subarray(32)], [...Array(30).fill(0), 1, 2]);
    assert.throws(() => derToJose(Buffer.from([0x31, 0]), 32), /not a DER sequence/);
    assert.throws(() => derToJose(seq([0x04, 1, 1], int(s)), 32), /not a DER integer/);
    assert.throws(() => derToJose(seq(int(Array(33).fill(1)), int(s)), 32), /too long/);
    // Cross-check against Node's own P1363 encoding on real signatures.
    const { privateKey: key } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 200; i++) {
      const data = Buffer.from(`message ${i}`);
      const der = nodeSign('sha256', data, key);
      assert.ok(nodeVerify('sha256', data, { key: createPublicKey(key), dsaEncoding: 'ieee-p1363' }, derToJose(der, 32)));
    }
  });
});
