import assert from 'node:assert/strict';
import { createVerifier, VerifyError, type Verifier, type VerifierOptions, type VerifyCode, type VerifyReason } from '../../src/index.ts';
import { AUDIENCE, startIssuer, type IssuerConfig, type TestIssuer, type TestKey } from './issuer.ts';

export interface Fixture {
  issuer: TestIssuer;
  key: TestKey;
  verifier: Verifier;
  /** Another verifier on the same issuer with other options. */
  verifierWith(options: Partial<VerifierOptions>): Verifier;
  close(): Promise<void>;
}

/** A test issuer with one ES256 key and a verifier for AUDIENCE. */
export async function setup(options: Partial<VerifierOptions> = {}, issuerConfig: IssuerConfig = {}): Promise<Fixture> {
  const issuer = await startIssuer(issuerConfig);
  const key = await issuer.addKey('ES256');
  const verifiers: Verifier[] = [];
  const verifierWith = (more: Partial<VerifierOptions>): Verifier => {
    const verifier = createVerifier({ issuer: issuer.url, audience: AUDIENCE, ...options, ...more });
    verifiers.push(verifier);
    return verifier;
  };
  return {
    issuer,
    key,
    verifier: verifierWith({}),
    verifierWith,
    async close() {
      for (const verifier of verifiers) verifier.close();
      await issuer.close();
    },
  };
}

/** Asserts a rejection with a VerifyError of this reason (and code, when given). Returns the error. */
export async function refused(promise: Promise<unknown>, reason: VerifyReason, code?: VerifyCode | VerifyCode[]): Promise<VerifyError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof VerifyError, `expected a VerifyError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, `reason (code ${caught.code}: ${caught.message})`);
  if (code !== undefined) {
    const codes = Array.isArray(code) ? code : [code];
    assert.ok(codes.includes(caught.code), `expected code ${codes.join('|')}, got ${caught.code}`);
  }
  return caught;
}

/** A controllable clock starting now. */
export function fakeClock(): { now: () => number; advance(ms: number): void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
