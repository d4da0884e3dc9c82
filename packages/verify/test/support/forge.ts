/** Hand-made tokens: any header and payload text, signed or not, to build the hostile catalogue. */
import type { TestKey } from './issuer.ts';

const b64 = (input: string | Uint8Array): string => Buffer.from(input).toString('base64url');

const SUBTLE_PARAMS: Record<TestKey['alg'], AlgorithmIdentifier | EcdsaParams | RsaPssParams> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
};

/** The signing input of a compact JWS from raw JSON texts (so duplicate members survive). */
export const signingInput = (headerJson: string, payloadJson: string): string => `${b64(headerJson)}.${b64(payloadJson)}`;

/** Signs raw header and payload JSON with a test key, the way the issuer would. */
export async function forge(headerJson: string, payloadJson: string, key: TestKey): Promise<string> {
  const input = signingInput(headerJson, payloadJson);
  const signature = await crypto.subtle.sign(SUBTLE_PARAMS[key.alg], key.privateKey, new TextEncoder().encode(input));
  return `${input}.${b64(new Uint8Array(signature))}`;
}

/** An unsigned assembly with a chosen signature segment. */
export const assemble = (headerJson: string, payloadJson: string, signature: string | Uint8Array = ''): string =>
  `${signingInput(headerJson, payloadJson)}.${typeof signature === 'string' ? signature : b64(signature)}`;

export const hmacSha256 = async (secret: Uint8Array<ArrayBuffer>, data: string): Promise<Uint8Array> => {
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data)));
};
