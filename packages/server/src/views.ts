// The JSON shapes of the management API's resources, in one place: the HTTP routes send them and the CLI prints
// them (offline, from the store, in the same shape a running server answers with).
import type { Config } from './config.ts';
import type { AccessEntry, Api, Grant } from './store/apis.ts';
import type { Invitation } from './store/invitations.ts';
import type { AppToken } from './store/app-tokens.ts';
import type { StoredAuditEvent } from './store/audit.ts';
import type { Bot } from './store/bots.ts';
import type { ClientKey } from './store/client-keys.ts';
import type { FederationRule, TrustedIssuer } from './store/federation.ts';
import type { Member, Project, Role } from './store/projects.ts';
import type { User } from './store/users.ts';
import type { KeyInfo } from './domain/keys.ts';
import type { OAuthClient } from './store/oauth-clients.ts';
import type { Session } from './store/sessions.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function projectView(p: Project, role?: Role) {
  return { id: p.id, name: p.name, ...(role ? { role } : {}), created_at: iso(p.createdAt), updated_at: iso(p.updatedAt) };
}

export function memberView(m: Member) {
  return { id: m.id, type: m.type, email: m.email, name: m.name, role: m.role, added_at: iso(m.createdAt) };
}

export function botView(bot: Bot, role: string) {
  return {
    id: bot.id,
    project_id: bot.projectId,
    name: bot.name,
    email: bot.email,
    client_id: bot.email,
    secret_prefix: bot.secretPrefix,
    role,
    password_grant: bot.passwordGrant,
    /** Whether the bot's secret works (false when it authenticates with keys or federation only). */
    secret: bot.secretEnabled,
    created_at: iso(bot.createdAt),
    updated_at: iso(bot.updatedAt),
  };
}

export function clientKeyView(k: ClientKey) {
  return { kid: k.kid, alg: k.alg, kty: String(k.jwk.kty), jwk: k.jwk, expires_at: k.expiresAt === null ? null : iso(k.expiresAt), created_at: iso(k.createdAt) };
}

/** How a bot authenticates: its secret (on or off), its registered keys, its jwks_uri. */
export function botCredentialsView(c: { bot: Bot; secret: boolean; keys: ClientKey[]; jwksUri: string | null; methods: string[] }) {
  return { bot_id: c.bot.id, client_id: c.bot.email, secret: c.secret, jwks_uri: c.jwksUri, keys: c.keys.map(clientKeyView), auth_methods: c.methods };
}

/** A bot with its new secret, shown once: it works as password and as client_secret. */
export function botWithSecretView(c: { bot: Bot; secret: string; role: string }) {
  return { ...botView(c.bot, c.role), password: c.secret, client_secret: c.secret };
}

export function apiView(a: Api, config: Pick<Config, 'accessTokenLifetime' | 'signingAlg'>) {
  return {
    id: a.id,
    identifier: a.identifier,
    name: a.name,
    scopes: a.scopes,
    token_lifetime: a.tokenLifetime ?? config.accessTokenLifetime,
    signing_alg: a.signingAlg ?? config.signingAlg,
    reuse_tokens: a.reuseTokens,
    project_id: a.ownerProjectId,
    listed: a.listed,
    role_scopes: { owner: [...a.roleScopes.owner], developer: [...a.roleScopes.developer], viewer: [...a.roleScopes.viewer] },
    user_scopes: a.userScopes,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  };
}

export function grantView(g: Pick<Grant, 'apiId' | 'botId' | 'scopes' | 'createdAt'>) {
  return { api_id: g.apiId, bot_id: g.botId, scopes: g.scopes, created_at: iso(g.createdAt) };
}

export function accessView(e: AccessEntry) {
  return { api_id: e.apiId, project_id: e.projectId, scopes: e.scopes, created_at: iso(e.createdAt) };
}

export function invitationView(i: Invitation) {
  return { id: i.id, email: i.email, role: i.role, status: 'invited' as const, invited_at: iso(i.createdAt) };
}

export function appTokenView(t: AppToken, now = Date.now()) {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    scopes: t.scope.split(' ').filter(Boolean),
    created_at: iso(t.createdAt),
    expires_at: iso(t.expiresAt),
    last_used_at: isoOrNull(t.lastUsedAt),
    expired: t.expiresAt <= now,
  };
}

export function keyView(k: KeyInfo) {
  return {
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    created_at: iso(k.createdAt),
    activated_at: isoOrNull(k.activatedAt),
    retiring_at: isoOrNull(k.retiringAt),
    publish_until: isoOrNull(k.publishUntil),
  };
}

export function userView(u: User) {
  return { id: u.id, email: u.email, name: u.name, email_verified: u.emailVerified, admin: u.isAdmin, disabled: u.disabled, created_at: iso(u.createdAt), updated_at: iso(u.updatedAt) };
}

export function eventView(e: StoredAuditEvent) {
  return {
    id: String(e.id),
    at: iso(e.at),
    type: e.type,
    outcome: e.outcome,
    project_id: e.projectId ?? null,
    subject: e.subject ?? null,
    client_id: e.clientId ?? null,
    audience: e.audience ?? null,
    grant_type: e.grantType ?? null,
    ip: e.ip ?? null,
    detail: e.detail ?? null,
  };
}

export function clientView(c: OAuthClient) {
  return {
    id: c.id,
    client_id: c.clientId,
    project_id: c.projectId,
    name: c.name,
    type: c.type,
    secret_prefix: c.secretPrefix,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: c.grantTypes,
    audiences: c.audiences,
    scopes: c.scopes,
    refresh_token: { rotation: c.refreshRotation, grace_seconds: c.refreshGraceSeconds, idle_seconds: c.refreshIdleSeconds, absolute_seconds: c.refreshAbsoluteSeconds },
    id_token_signed_response_alg: c.idTokenAlg,
    token_endpoint_auth_method: c.type === 'web' ? 'client_secret_basic' : 'none',
    first_party: c.firstParty,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

/** A client as created or rotated: a web client's secret, this once. */
export function clientWithSecretView({ client, secret }: { client: OAuthClient; secret?: string | undefined }) {
  return { ...clientView(client), ...(secret ? { client_secret: secret } : {}) };
}

export function sessionView(s: Session, current?: string) {
  return {
    id: s.id,
    created_at: iso(s.createdAt),
    last_seen_at: iso(s.lastSeenAt),
    expires_at: iso(s.expiresAt),
    ip: s.ip,
    user_agent: s.userAgent,
    ...(current !== undefined ? { current: s.id === current } : {}),
  };
}

export function trustedIssuerView(i: TrustedIssuer) {
  return {
    id: i.id,
    project_id: i.projectId,
    issuer: i.issuer,
    keys_from: i.jwks ? 'jwks' : i.jwksUri ? 'jwks_uri' : 'discovery',
    jwks_uri: i.jwksUri,
    jwks: i.jwks,
    created_at: iso(i.createdAt),
  };
}

export function federationRuleView(r: FederationRule) {
  return {
    id: r.id,
    project_id: r.projectId,
    name: r.name,
    issuer_id: r.issuerId,
    bot_id: r.botId,
    audience: r.audience,
    subject: r.subject,
    claims: r.claims,
    single_use: r.singleUse,
    created_at: iso(r.createdAt),
  };
}
