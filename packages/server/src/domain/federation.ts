// Workload identity federation, as a project's owners manage it: the external issuers the project trusts and the
// rules that map one of their tokens to one of the project's bots. Only owners: a rule is a credential.
import type { JWK } from 'jose';
import type { FederationRule, TrustedIssuer } from '../store/federation.ts';
import { keyUrlProblem } from '../crypto/public-keys.ts';
import { projectAccess } from './access.ts';
import { type Actor, requireScope } from './caller.ts';
import { DomainError, notFound, unique } from './errors.ts';
import { checkPublicJwk } from './client-keys.ts';
import { BOT_NAME } from './bots.ts';
import { subjectProblem, subjectWarnings } from './federation-rules.ts';
import type { ManagementServices } from './services.ts';

export const MAX_STATIC_KEYS = 10;
export const MAX_RULE_CLAIMS = 20;

function noBots(actor: Actor): void {
  if (actor.type === 'bot') throw new DomainError('forbidden', 'Bots cannot manage federation.');
}

export interface IssuerSpec {
  issuer: string;
  jwksUri?: string | undefined;
  jwks?: { keys: unknown[] } | undefined;
}

export async function addTrustedIssuer(svc: ManagementServices, actor: Actor, projectId: string, spec: IssuerSpec): Promise<TrustedIssuer> {
  requireScope(actor, 'bots:write');
  noBots(actor);
  const { project } = await projectAccess(svc, actor, projectId, 'owner');
  const iss = spec.issuer;
  if (iss.length < 1 || iss.length > 512 || iss !== iss.trim()) throw new DomainError('invalid', 'The issuer is the exact "iss" of its tokens: 1 to 512 characters, no surrounding spaces.');
  if (spec.jwksUri !== undefined && spec.jwks !== undefined) throw new DomainError('invalid', 'Give a jwks_uri or a static jwks, not both.');
  let jwks: { keys: Record<string, unknown>[] } | null = null;
  if (spec.jwksUri !== undefined) {
    const problem = keyUrlProblem(spec.jwksUri);
    if (problem) throw new DomainError('invalid', `The jwks_uri ${problem}.`);
  } else if (spec.jwks !== undefined) {
    if (!spec.jwks.keys.length || spec.jwks.keys.length > MAX_STATIC_KEYS) throw new DomainError('invalid', `A static jwks holds 1 to ${MAX_STATIC_KEYS} keys.`);
    const keys: Record<string, unknown>[] = [];
    for (const k of spec.jwks.keys) keys.push((await checkPublicJwk(k, (k as JWK | null)?.alg)).jwk as Record<string, unknown>);
    jwks = { keys };
  } else {
    // Keys from the issuer's OpenID discovery document: the issuer must be a URL we may fetch.
    const problem = keyUrlProblem(iss);
    if (problem) throw new DomainError('invalid', `Without a jwks_uri or jwks the keys come from the issuer's discovery document, so the issuer ${problem}.`);
  }
  const created = await unique(svc.store.federation.addIssuer({ projectId: project.id, issuer: iss, jwksUri: spec.jwksUri ?? null, jwks }, svc.minter.clock.now()), 'This project already trusts that issuer.');
  svc.events.emitEvent({ type: 'federation.issuer_added', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { issuer_id: created.id, issuer: iss, keys: jwks ? 'static' : spec.jwksUri ? 'jwks_uri' : 'discovery' } });
  return created;
}

export async function listTrustedIssuers(svc: ManagementServices, actor: Actor, projectId: string): Promise<TrustedIssuer[]> {
  requireScope(actor, 'projects:read');
  const { project } = await projectAccess(svc, actor, projectId, 'viewer');
  return svc.store.federation.listIssuers(project.id);
}

export async function removeTrustedIssuer(svc: ManagementServices, actor: Actor, projectId: string, issuerId: string): Promise<void> {
  requireScope(actor, 'bots:write');
  noBots(actor);
  const { project } = await projectAccess(svc, actor, projectId, 'owner');
  const issuer = await svc.store.federation.findIssuer(issuerId);
  if (!issuer || issuer.projectId !== project.id) throw notFound('Trusted issuer');
  await svc.store.federation.removeIssuer(issuer.id);
  svc.events.emitEvent({ type: 'federation.issuer_removed', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { issuer_id: issuer.id, issuer: issuer.issuer } });
}

export interface RuleSpec {
  name: string;
  issuerId: string;
  botId: string;
  audience: string;
  subject: string;
  claims?: Record<string, string> | undefined;
  singleUse?: boolean | undefined;
}

/** Creates a rule; returns it with warnings about subjects that are legal but usually a mistake. */
export async function addFederationRule(svc: ManagementServices, actor: Actor, projectId: string, spec: RuleSpec): Promise<{ rule: FederationRule; warnings: string[] }> {
  requireScope(actor, 'bots:write');
  noBots(actor);
  const { project } = await projectAccess(svc, actor, projectId, 'owner');
  if (!BOT_NAME.test(spec.name)) throw new DomainError('invalid', 'Rule names are 1 to 63 lowercase letters, digits and dashes.');
  const issuer = await svc.store.federation.findIssuer(spec.issuerId);
  if (!issuer || issuer.projectId !== project.id) throw notFound('Trusted issuer');
  const bot = await svc.store.bots.findById(spec.botId);
  if (!bot || bot.projectId !== project.id) throw notFound('Bot');
  if (spec.audience.trim() === '' || spec.audience.includes('*')) throw new DomainError('invalid', 'The audience is required and exact (no glob): the "aud" the external token must carry for Gatehouse.');
  const problem = subjectProblem(spec.subject);
  if (problem) throw new DomainError('invalid', problem);
  const claims = spec.claims ?? {};
  if (Object.keys(claims).length > MAX_RULE_CLAIMS) throw new DomainError('invalid', `A rule requires at most ${MAX_RULE_CLAIMS} further claims.`);
  for (const name of Object.keys(claims)) {
    if (['iss', 'sub', 'aud', 'exp', 'iat', 'nbf'].includes(name)) throw new DomainError('invalid', `"${name}" is checked by the rule itself, not as a further claim.`);
  }
  const rule = await unique(
    svc.store.federation.addRule({ projectId: project.id, issuerId: issuer.id, botId: bot.id, name: spec.name, audience: spec.audience, subject: spec.subject, claims, singleUse: spec.singleUse ?? false }, svc.minter.clock.now()),
    `A federation rule named "${spec.name}" already exists in this project.`,
  );
  const warnings = subjectWarnings(spec.subject, claims);
  svc.events.emitEvent({ type: 'federation.rule_added', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { rule: rule.id, name: rule.name, issuer: issuer.issuer, bot: bot.id, sub: rule.subject, warnings: warnings.length } });
  return { rule, warnings };
}

export async function listFederationRules(svc: ManagementServices, actor: Actor, projectId: string): Promise<FederationRule[]> {
  requireScope(actor, 'projects:read');
  const { project } = await projectAccess(svc, actor, projectId, 'viewer');
  return svc.store.federation.listRules(project.id);
}

export async function removeFederationRule(svc: ManagementServices, actor: Actor, projectId: string, ruleId: string): Promise<void> {
  requireScope(actor, 'bots:write');
  noBots(actor);
  const { project } = await projectAccess(svc, actor, projectId, 'owner');
  const rule = await svc.store.federation.findRule(ruleId);
  if (!rule || rule.projectId !== project.id) throw notFound('Federation rule');
  await svc.store.federation.removeRule(rule.id);
  svc.events.emitEvent({ type: 'federation.rule_removed', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { rule: rule.id, name: rule.name } });
}
