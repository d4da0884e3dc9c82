// Signs JWTs with WebCrypto (no dependency): private_key_jwt client assertions (RFC 7523 §2.2, OIDC Core §9).
// Keys: a PKCS#8 PEM private key (give `alg`; default ES256) or a private JWK (alg from its `alg`, or its type).

export type AssertionAlg = 'ES256' | 'ES384' | 'RS256' | 'PS256' | 'EdDSA';

/** A private key: PKCS#8 PEM text, a private JWK, or a WebCrypto CryptoKey (then `alg` is required). */
export type PrivateKeyInput = string | JsonWebKey | CryptoKey;

const PARAMS: Record<AssertionAlg, { importParams: RsaHashedImportParams | EcKeyImportParams | Algorithm; sign: AlgorithmIdentifier | RsaPssParams | EcdsaParams }> = {
  ES256: { importParams: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  ES384: { importParams: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } },
  RS256: { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
  PS256: { importParams: { name: 'RSA-PSS', hash: 'SHA-256' }, sign: { name: 'RSA-PSS', saltLength: 32 } },
  EdDSA: { importParams: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

function algOfJwk(jwk: JsonWebKey & { kid?: string }): AssertionAlg {
  if (jwk.alg && jwk.alg in PARAMS) return jwk.alg as AssertionAlg;
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : 'ES256';
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'OKP') return 'EdDSA';
  throw new TypeError(`unsupported key type ${String(jwk.kty)}`);
}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const utf8 = new TextEncoder();

function pemToDer(pem: string): Uint8Array {
  if (!/-----BEGIN PRIVATE KEY-----/.test(pem)) throw new TypeError('the PEM must be a PKCS#8 private key (-----BEGIN PRIVATE KEY-----); convert with `openssl pkcs8 -topk8 -nocrypt`');
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  const bin = atob(body);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export interface AssertionSigner {
  readonly alg: AssertionAlg;
  readonly kid: string | undefined;
  sign(claims: Record<string, unknown>): Promise<string>;
}

/** Imports the key once; `sign` makes a compact JWS of `claims` with header { alg, kid, typ: JWT }. */
export async function assertionSigner(key: PrivateKeyInput, options: { alg?: AssertionAlg | undefined; kid?: string | undefined } = {}): Promise<AssertionSigner> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new TypeError('WebCrypto (crypto.subtle) is not available in this runtime');
  let alg: AssertionAlg;
  let cryptoKey: CryptoKey;
  let kid = options.kid;
  if (typeof key === 'string') {
    alg = options.alg ?? 'ES256';
    cryptoKey = await subtle.importKey('pkcs8', pemToDer(key) as BufferSource, PARAMS[alg].importParams, false, ['sign']);
  } else if (typeof (key as CryptoKey).type === 'string' && typeof (key as CryptoKey).algorithm === 'object') {
    if (!options.alg) throw new TypeError('alg is required with a CryptoKey');
    alg = options.alg;
    cryptoKey = key as CryptoKey;
  } else {
    const jwk = key as JsonWebKey & { kid?: string };
    if (!jwk.d) throw new TypeError('the JWK must be a private key (with "d")');
    alg = options.alg ?? algOfJwk(jwk);
    kid ??= jwk.kid;
    const { kid: _k, alg: _a, use: _u, key_ops: _o, ...material } = jwk as JsonWebKey & { kid?: string };
    cryptoKey = await subtle.importKey('jwk', material, PARAMS[alg].importParams, false, ['sign']);
  }
  if (!(alg in PARAMS)) throw new TypeError(`unsupported alg ${String(alg)}`);
  return {
    alg,
    kid,
    async sign(claims) {
      const header = base64url(utf8.encode(JSON.stringify({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })));
      const payload = base64url(utf8.encode(JSON.stringify(claims)));
      const input = `${header}.${payload}`;
      // WebCrypto's ECDSA signature is already the JWS form (r || s, RFC 7518 §3.4).
      const sig = new Uint8Array(await subtle.sign(PARAMS[alg].sign, cryptoKey, utf8.encode(input)));
      return `${input}.${base64url(sig)}`;
    },
  };
}

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The claims of a client assertion: iss = sub = the client id, aud = the issuer, one minute of life, a fresh jti. */
export function assertionClaims(clientId: string, audience: string, nowMs: number): Record<string, unknown> {
  const now = Math.floor(nowMs / 1000);
  return { iss: clientId, sub: clientId, aud: audience, iat: now, exp: now + 60, jti: globalThis.crypto.randomUUID() };
}
