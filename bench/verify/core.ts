/**
 * The verifier alone, no HTTP: verifications per second of one token with the claims cache (the hot
 * path) and without it (full ES256 verification each time), sequential and 50 concurrent calls.
 *
 *   npx node bench/verify/core.ts [--calls 20000]
 *
 * A script, not a test: it prints a markdown table.
 */
import { parseArgs } from 'node:util';
import { createVerifier } from '@gatehouse/verify';
import { AUDIENCE, startIssuer } from '../../packages/verify/test/support/issuer.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' } } });
const calls = Number(values.calls);

const issuer = await startIssuer();
await issuer.addKey('ES256');
const header = `Bearer ${await issuer.sign()}`;

console.log('| verifier | calls in flight | verifications/s |');
console.log('| --- | ---: | ---: |');
for (const [label, cache] of [['cache on (default)', undefined], ['cache: false', false]] as const) {
  const verifier = createVerifier({ issuer: issuer.url, audience: AUDIENCE, cache, revocation: { poll: true } });
  await verifier.verify(header); // discovery, JWKS, first poll
  for (const inFlight of [1, 50]) {
    const start = performance.now();
    for (let done = 0; done < calls; done += inFlight) {
      await Promise.all(Array.from({ length: inFlight }, () => verifier.verify(header)));
    }
    const perSecond = (calls / (performance.now() - start)) * 1000;
    console.log(`| ${label} | ${inFlight} | ${Math.round(perSecond)} |`);
  }
  verifier.close();
}
await issuer.close();
