import { decodeJwt, decodeProtectedHeader } from '../jwt.ts';
import { parseArgs, UsageError } from './args.ts';
import type { CliIo } from './io.ts';
import { expiryInWords, relativeInWords } from './words.ts';

export const decodeUsage = `Usage:
  gatehouse decode JWT        (or - to read it from stdin)
Shows the header and claims, and when the token expires. The signature is NOT verified.
`;

const time = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

export async function decode(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { positionals: 1 });
  if (args.positionals.length !== 1) throw new UsageError('give exactly one JWT');
  let jwt = args.positionals[0]!;
  if (jwt === '-') jwt = await io.readSecret('JWT: ');
  jwt = jwt.trim().replace(/^Bearer\s+/i, '');
  const header = decodeProtectedHeader(jwt);
  const claims = decodeJwt(jwt);
  const lines = ['Header', JSON.stringify(header, null, 2), 'Claims', JSON.stringify(claims, null, 2)];
  if (typeof claims.iat === 'number') lines.push(`Issued   ${time(claims.iat)} (${relativeInWords(claims.iat * 1000)})`);
  if (typeof claims.nbf === 'number') lines.push(`Valid    from ${time(claims.nbf)} (${relativeInWords(claims.nbf * 1000)})`);
  lines.push(typeof claims.exp === 'number'
    ? `Expires  ${time(claims.exp)} (${expiryInWords(claims.exp * 1000)})`
    : 'Expires  never (no exp claim)');
  lines.push('Signature not verified.');
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
