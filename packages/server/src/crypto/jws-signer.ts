// Compact JWS signing with node:crypto, synchronously, for the token path (RFC 7515 §7.1, RFC 7518 §3).
// jose signs through WebCrypto: one thread-pool job and a promise per signature, which under load costs several times
// the signature itself. Here the private key is a KeyObject prepared once per key and passed to crypto.sign as the key
// itself (the `{ key, dsaEncoding }` options form re-prepares the key on every call), the protected header is encoded
// once per key and token type, and ECDSA's DER signature is turned into JOSE's r‖s in plain code.
// jose stays in charge of everything else JOSE, verification included; tests cross-verify every algorithm with it.
import { type JsonWebKey, type KeyObject, constants, createPrivateKey, sign } from 'node:crypto';
import type { JWK } from 'jose';
import type { SigningAlg } from '../config.ts';

export type JwsType = 'at+jwt' | 'JWT';

export interface JwsSigner {
  readonly alg: SigningAlg;
  readonly kid: string;
  /** Signs the JSON text of a JWT claims set; returns the compact serialization. Throws if the key cannot sign. */
  sign(typ: JwsType, claimsJson: string): string;
}

/** Size in bytes of each of r and s for the ECDSA curves we sign with (P-256). */
const ES256_PART = 32;

/**
 * DER `SEQUENCE { INTEGER r, INTEGER s }` → fixed-width r‖s (RFC 7518 §3.4). The integers are minimal two's-complement
 * big-endian, so they may carry one leading zero byte (dropped here) or be shorter than the curve size (left-padded).
 */
export function derToJose(der: Buffer, part: number): Buffer {
  const out = Buffer.alloc(part * 2);
  let offset = 2;
  if (der[0] !== 0x30) throw new Error('ECDSA signature is not a DER sequence');
  // P-256 sequences are at most 72 bytes, so the length is a single byte; a long form would be 0x81 nn.
  if ((der[1]! & 0x80) !== 0) offset = 2 + (der[1]! & 0x7f);
  for (let i = 0; i < 2; i++) {
    if (der[offset] !== 0x02) throw new Error('ECDSA signature component is not a DER integer');
    let len = der[offset + 1]!;
    let start = offset + 2;
    const end = start + len;
    while (len > part && der[start] === 0) {
      start++;
      len--;
    }
    if (len > part) throw new Error('ECDSA signature component is too long');
    der.copy(out, i * part + (part - len), start, end);
    offset = end;
  }
  return out;
}

function encodeHeader(alg: SigningAlg, typ: JwsType, kid: string): string {
  // The member order jose writes (alg, typ, kid), so tokens look the same whichever signer made them.
  return Buffer.from(JSON.stringify({ alg, typ, kid })).toString('base64url');
}

type RawSign = (data: Buffer) => Buffer;

function rawSigner(alg: SigningAlg, key: KeyObject): RawSign {
  switch (alg) {
    case 'ES256':
      return (data) => derToJose(sign('sha256', data, key), ES256_PART);
    case 'EdDSA':
      return (data) => sign(null, data, key);
    case 'RS256':
      return (data) => sign('sha256', data, key);
    case 'PS256': {
      // PSS needs the options form; RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash.
      const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      return (data) => sign('sha256', data, options);
    }
  }
}

const EXPECTED_KEY_TYPE: Record<SigningAlg, string> = { ES256: 'ec', EdDSA: 'ed25519', RS256: 'rsa', PS256: 'rsa' };

/** Prepares a signer from a private JWK. Refuses a key whose type does not match the algorithm. */
export function createJwsSigner(privateJwk: JWK, alg: SigningAlg, kid: string): JwsSigner {
  const key = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  if (key.asymmetricKeyType !== EXPECTED_KEY_TYPE[alg]) {
    throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key cannot sign ${alg}`);
  }
  if (alg === 'ES256' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('ES256 needs a P-256 key');
  const raw = rawSigner(alg, key);
  const headers: Record<JwsType, string> = { 'at+jwt': encodeHeader(alg, 'at+jwt', kid), JWT: encodeHeader(alg, 'JWT', kid) };
  return {
    alg,
    kid,
    sign(typ, claimsJson) {
      const signingInput = headers[typ] + '.' + Buffer.from(claimsJson).toString('base64url');
      return signingInput + '.' + raw(Buffer.from(signingInput, 'latin1')).toString('base64url');
    },
  };
}
