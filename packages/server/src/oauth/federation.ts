// Workload identity federation: a token a workload's platform gave it (GitHub Actions OIDC, a Kubernetes
// projected service-account token, another Gatehouse) is accepted in place of a bot's secret, under the rules the
// bot's project owners wrote. Order of the checks: the `iss` must be a registered trusted issuer (matched exactly,
// refused before any key is fetched); the signature must verify with that issuer's keys (static, its JWKS URI,
// or its discovery document; refreshed once on an unknown kid); exp must not have passed; then the first rule of
// that issuer whose aud, sub (exact or glob) and further claims all match names the bot; a rule may make the
// external jti single use.
import type { JWK, JWTPayload } from 'jose';
import type { OAuthServices } from './context.ts';
import { type CandidateKey, type ParsedAssertion, assertionFailure, candidatesFrom, checkHeaderAlg, useJtiOnce, verifyWith } from './client-assertion.ts';
import { JwksFetchError } from './remote-jwks.ts';
import type { Bot } from '../store/bots.ts';
import type { FederationRule, TrustedIssuer } from '../store/federation.ts';
import { globMatches } from '../domain/federation-rules.ts';

/** Who the external token says the workload is, and the rule that let it in (for the audit log and the lifetime). */
export interface Federation {
  readonly iss: string;
  readonly sub: string;
  readonly ruleId: string;
  readonly ruleName: string;
  /** The external token's exp (seconds): nothing issued from it outlives it. */
  readonly exp: number;
}

export async function issuerCandidates(svc: Pick<OAuthServices, 'remoteJwks'>, issuer: TrustedIssuer, a: ParsedAssertion): Promise<CandidateKey[]> {
  if (issuer.jwks) return candidatesFrom(issuer.jwks.keys as JWK[], a.header);
  try {
    const uri = issuer.jwksUri ?? (await svc.remoteJwks.discoveredJwksUri(issuer.issuer));
    let found = candidatesFrom(await svc.remoteJwks.keys(uri), a.header);
    if (!found.length) found = candidatesFrom(await svc.remoteJwks.keys(uri, { refresh: true }), a.header);
    return found;
  } catch (err) {
    if (err instanceof JwksFetchError) throw assertionFailure(`the keys of the trusted issuer could not be used: ${err.message}`);
    throw err;
  }
}

/** The first check of `rule` the claims fail, or undefined when the rule matches. */
export function failedCheck(rule: FederationRule, claims: JWTPayload): string | undefined {
  const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  if (!aud.includes(rule.audience)) return '"aud"';
  if (typeof claims.sub !== 'string' || !globMatches(rule.subject, claims.sub)) return '"sub"';
  for (const [name, expected] of Object.entries(rule.claims)) {
    const v = (claims as Record<string, unknown>)[name];
    const actual = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
    if (actual === undefined || !globMatches(expected, actual)) return `claim "${name.slice(0, 40)}"`;
  }
  return undefined;
}

/**
 * Authenticates an external token as one of the bots a rule maps it to. `clientId`, when the request names one,
 * restricts the rules to that bot's. Returns undefined when `iss` is no trusted issuer (the caller then says
 * "unknown client"), so nothing about an unknown issuer is fetched.
 */
export async function authenticateFederated(
  svc: Pick<OAuthServices, 'store' | 'minter' | 'remoteJwks'>,
  a: ParsedAssertion,
  options: { clientId?: string | undefined; what: string },
): Promise<{ bot: Bot; federation: Federation } | undefined> {
  const iss = a.claims.iss;
  if (typeof iss !== 'string' || iss === '' || iss.length > 512) return undefined;
  const issuers = await svc.store.federation.issuersByIss(iss);
  if (!issuers.length) return undefined;
  checkHeaderAlg(a.header, options.what);
  // Every project that trusts this issuer checks the token with the keys it registered for it.
  const verified: TrustedIssuer[] = [];
  let claims: (JWTPayload & { exp: number }) | undefined;
  let firstError: unknown;
  for (const issuer of issuers) {
    try {
      const payload = await verifyWith(svc, a, await issuerCandidates(svc, issuer, a), { issuer: iss, audience: undefined, what: options.what });
      claims = payload;
      verified.push(issuer);
    } catch (err) {
      firstError ??= err;
    }
  }
  if (!claims || !verified.length) throw firstError ?? assertionFailure(`no key of the trusted issuer verifies the ${options.what}`);
  let rules = await svc.store.federation.rulesOfIssuers(verified.map((i) => i.id));
  const bots = new Map<string, Bot>();
  if (options.clientId !== undefined) {
    const named = await svc.store.bots.findByEmail(options.clientId);
    rules = named ? rules.filter((r) => r.botId === named.id) : [];
    if (named) bots.set(named.id, named);
  }
  const failed = new Set<string>();
  for (const rule of rules) {
    const check = failedCheck(rule, claims);
    if (check) {
      failed.add(check);
      continue;
    }
    const bot = bots.get(rule.botId) ?? (await svc.store.bots.findById(rule.botId));
    if (!bot || bot.projectId !== rule.projectId) continue;
    if (rule.singleUse) await useJtiOnce(svc, `federation:${iss}`, claims.jti, claims.exp, options.what);
    return { bot, federation: { iss, sub: String(claims.sub), ruleId: rule.id, ruleName: rule.name, exp: claims.exp } };
  }
  throw assertionFailure(rules.length ? `no federation rule matches the ${options.what} (failed: ${[...failed].join(', ')})` : `no federation rule of this issuer${options.clientId !== undefined ? ' names this client' : ''}`);
}
