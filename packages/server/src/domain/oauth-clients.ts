// OAuth clients as a project's resource (issue 18 item 1): `web` (confidential: a secret shown once, stored only
// as its keyed hash), `spa` and `native` (public: PKCE, which every client must use anyway). Redirect URIs are
// matched exactly, except that a native client's loopback redirect may use any port (RFC 8252 §7.3).
import { randomBytes } from 'node:crypto';
import { generateSecret } from '../crypto/secrets.ts';
import { REFRESH_ROTATIONS, type RefreshRotation, SIGNING_ALGS, type SigningAlg } from '../config.ts';
import { CLIENT_TYPES, type ClientType, type OAuthClient, type OAuthClientChanges } from '../store/oauth-clients.ts';
import { projectAccess } from './access.ts';
import { type Actor, isAdmin, requireScope } from './caller.ts';
import { DomainError, notFound } from './errors.ts';
import type { CoreServices, ManagementServices } from './services.ts';

export const CLIENT_ID_PREFIX = 'ghc_';
export const CLIENT_SECRET_PREFIX = 'ghs_';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** Grants a registered client may be allowed. */
export const CLIENT_GRANTS = ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT] as const;
export const MAX_REDIRECT_URIS = 20;

const invalid = (message: string) => new DomainError('invalid', message);

export interface ClientSpec {
  name: string;
  type: ClientType;
  redirectUris?: readonly string[] | undefined;
  postLogoutRedirectUris?: readonly string[] | undefined;
  grantTypes?: readonly string[] | undefined;
  audiences?: readonly string[] | undefined;
  scopes?: readonly string[] | null | undefined;
  refreshRotation?: RefreshRotation | undefined;
  refreshGraceSeconds?: number | undefined;
  refreshIdleSeconds?: number | undefined;
  refreshAbsoluteSeconds?: number | undefined;
  idTokenAlg?: string | null | undefined;
  firstParty?: boolean | undefined;
}

export const isConfidential = (type: ClientType) => type === 'web';

export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost';
}

/** A redirect URI a client of this type may register, or why not. */
export function redirectUriProblem(type: ClientType, uri: string): string | undefined {
  if (uri.length > 2000) return 'is longer than 2000 characters';
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  // RFC 6749 §3.1.2: no fragment. No wildcards, no credentials in the URI.
  if (uri.includes('#')) return 'must not have a fragment';
  if (uri.includes('*')) return 'must not contain wildcards';
  if (u.username || u.password) return 'must not carry credentials';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:') return isLoopbackHost(u.hostname) ? undefined : 'must use https (http only on a loopback address)';
  // RFC 8252 §7.1: private-use schemes in reverse domain notation, for native applications only.
  if (type === 'native' && /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(u.protocol)) return undefined;
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(u.protocol)) return 'uses a forbidden scheme';
  return type === 'native' ? 'must use https, a loopback http address or a reverse-domain private-use scheme' : 'must use https';
}

/**
 * Whether `presented` is one of the client's registered redirect URIs: exact string comparison (RFC 9700 §4.1.3),
 * except that for a native client a loopback http URI matches whatever its port (RFC 8252 §7.3).
 */
export function matchRedirectUri(client: Pick<OAuthClient, 'type' | 'redirectUris'>, presented: string): boolean {
  if (client.redirectUris.includes(presented)) return true;
  if (client.type !== 'native') return false;
  let p: URL;
  try {
    p = new URL(presented);
  } catch {
    return false;
  }
  if (p.protocol !== 'http:' || (p.hostname !== '127.0.0.1' && p.hostname !== '[::1]')) return false;
  return client.redirectUris.some((r) => {
    let u: URL;
    try {
      u = new URL(r);
    } catch {
      return false;
    }
    if (u.protocol !== 'http:' || u.hostname !== p.hostname) return false;
    u.port = p.port;
    return u.href === p.href && r.length > 0;
  });
}

function checkUris(type: ClientType, uris: readonly string[], what: string): string[] {
  if (uris.length > MAX_REDIRECT_URIS) throw invalid(`At most ${MAX_REDIRECT_URIS} ${what}.`);
  for (const uri of uris) {
    const problem = redirectUriProblem(type, uri);
    if (problem) throw invalid(`The ${what.replace(/s$/, '')} "${uri.slice(0, 200)}" ${problem}.`);
  }
  return [...new Set(uris)];
}

function checkGrants(grants: readonly string[]): string[] {
  for (const g of grants) {
    if (!(CLIENT_GRANTS as readonly string[]).includes(g)) throw invalid(`Unknown grant type "${g.slice(0, 100)}"; a client may have ${CLIENT_GRANTS.join(', ')}.`);
  }
  if (!grants.length) throw invalid('A client needs at least one grant type.');
  return [...new Set(grants)];
}

async function checkAudiences(svc: CoreServices, audiences: readonly string[]): Promise<string[]> {
  for (const aud of audiences) {
    if (aud === svc.config.managementAudience || svc.config.defaultAudience.includes(aud)) continue;
    if (!(await svc.store.apis.findByIdentifier(aud))) throw invalid(`No API with the identifier "${aud.slice(0, 200)}".`);
  }
  return [...new Set(audiences)];
}

function checkRefresh(type: ClientType, c: { refreshRotation: RefreshRotation; refreshGraceSeconds: number; refreshIdleSeconds: number; refreshAbsoluteSeconds: number }): void {
  if (!(REFRESH_ROTATIONS as readonly string[]).includes(c.refreshRotation)) throw invalid(`refresh_rotation is one of ${REFRESH_ROTATIONS.join(', ')}.`);
  // RFC 9700 §4.14.2: refresh tokens of public clients must rotate (they are not sender-constrained here).
  if (!isConfidential(type) && c.refreshRotation === 'off') throw invalid('Refresh tokens of public clients (spa, native) must rotate: refresh_rotation strict or grace.');
  if (c.refreshIdleSeconds > c.refreshAbsoluteSeconds) throw invalid('The idle lifetime of refresh tokens cannot be longer than their absolute lifetime.');
}

async function checkAlg(svc: CoreServices, alg: string | null): Promise<SigningAlg | null> {
  if (alg === null) return null;
  if (!(SIGNING_ALGS as readonly string[]).includes(alg)) throw invalid(`id_token_signed_response_alg is one of ${SIGNING_ALGS.join(', ')}.`);
  // ID tokens of this client are signed with this algorithm from now on: make sure a key for it exists.
  if (!svc.keyring.hasActive(alg as SigningAlg)) await svc.keyring.load([alg as SigningAlg]);
  return alg as SigningAlg;
}

export function newClientId(): string {
  return CLIENT_ID_PREFIX + randomBytes(12).toString('base64url');
}

export interface CreatedClient {
  client: OAuthClient;
  /** A web client's secret, shown once. */
  secret?: string;
}

export async function createClient(svc: CoreServices, projectId: string, spec: ClientSpec, actor: string): Promise<CreatedClient> {
  if (!(CLIENT_TYPES as readonly string[]).includes(spec.type)) throw invalid(`A client's type is one of ${CLIENT_TYPES.join(', ')}.`);
  const name = spec.name.trim();
  if (!name || name.length > 100) throw invalid('A client needs a name of 1 to 100 characters.');
  const grantTypes = checkGrants(spec.grantTypes ?? ['authorization_code', 'refresh_token']);
  const redirectUris = checkUris(spec.type, spec.redirectUris ?? [], 'redirect URIs');
  if (grantTypes.includes('authorization_code') && !redirectUris.length) throw invalid('The authorization_code grant needs at least one redirect URI.');
  const refresh = {
    refreshRotation: spec.refreshRotation ?? svc.config.refreshRotation,
    refreshGraceSeconds: spec.refreshGraceSeconds ?? svc.config.refreshGraceSeconds,
    refreshIdleSeconds: spec.refreshIdleSeconds ?? svc.config.refreshTokenIdleSeconds,
    refreshAbsoluteSeconds: spec.refreshAbsoluteSeconds ?? svc.config.refreshTokenAbsoluteSeconds,
  };
  checkRefresh(spec.type, refresh);
  const secret = isConfidential(spec.type) ? generateSecret(CLIENT_SECRET_PREFIX) : undefined;
  const client = await svc.store.oauthClients.create({
    clientId: newClientId(),
    projectId,
    name,
    type: spec.type,
    secretHash: secret ? svc.hasher.hash(secret) : null,
    secretPrefix: secret ? secret.slice(0, 8) : null,
    redirectUris,
    postLogoutRedirectUris: checkUris(spec.type, spec.postLogoutRedirectUris ?? [], 'post-logout redirect URIs'),
    grantTypes,
    audiences: await checkAudiences(svc, spec.audiences ?? []),
    scopes: spec.scopes === undefined || spec.scopes === null ? null : [...new Set(spec.scopes)],
    ...refresh,
    idTokenAlg: await checkAlg(svc, spec.idTokenAlg ?? null),
    firstParty: spec.firstParty ?? false,
  });
  svc.events.emitEvent({ type: 'client.created', outcome: 'success', projectId, subject: actor, clientId: client.clientId, detail: { client: client.id, type: client.type, first_party: client.firstParty } });
  return secret ? { client, secret } : { client };
}

export async function updateClient(svc: CoreServices, client: OAuthClient, spec: Omit<Partial<ClientSpec>, 'type'>, actor: string): Promise<OAuthClient> {
  const changes: OAuthClientChanges = {};
  if (spec.name !== undefined) {
    const name = spec.name.trim();
    if (!name || name.length > 100) throw invalid('A client needs a name of 1 to 100 characters.');
    changes.name = name;
  }
  if (spec.redirectUris !== undefined) changes.redirectUris = checkUris(client.type, spec.redirectUris, 'redirect URIs');
  if (spec.postLogoutRedirectUris !== undefined) changes.postLogoutRedirectUris = checkUris(client.type, spec.postLogoutRedirectUris, 'post-logout redirect URIs');
  if (spec.grantTypes !== undefined) changes.grantTypes = checkGrants(spec.grantTypes);
  if ((changes.grantTypes ?? client.grantTypes).includes('authorization_code') && !(changes.redirectUris ?? client.redirectUris).length) {
    throw invalid('The authorization_code grant needs at least one redirect URI.');
  }
  if (spec.audiences !== undefined) changes.audiences = await checkAudiences(svc, spec.audiences);
  if (spec.scopes !== undefined) changes.scopes = spec.scopes === null ? null : [...new Set(spec.scopes)];
  if (spec.refreshRotation !== undefined) changes.refreshRotation = spec.refreshRotation;
  if (spec.refreshGraceSeconds !== undefined) changes.refreshGraceSeconds = spec.refreshGraceSeconds;
  if (spec.refreshIdleSeconds !== undefined) changes.refreshIdleSeconds = spec.refreshIdleSeconds;
  if (spec.refreshAbsoluteSeconds !== undefined) changes.refreshAbsoluteSeconds = spec.refreshAbsoluteSeconds;
  checkRefresh(client.type, { ...client, ...changes } as OAuthClient);
  if (spec.idTokenAlg !== undefined) changes.idTokenAlg = await checkAlg(svc, spec.idTokenAlg);
  if (spec.firstParty !== undefined) changes.firstParty = spec.firstParty;
  const updated = (await svc.store.oauthClients.update(client.id, changes)) ?? client;
  svc.events.emitEvent({ type: 'client.updated', outcome: 'success', projectId: client.projectId, subject: actor, clientId: client.clientId, detail: { client: client.id, fields: Object.keys(changes) } });
  return updated;
}

/** A new secret for a web client; the old one stops at once. */
export async function rotateClientSecret(svc: CoreServices, client: OAuthClient, actor: string): Promise<string> {
  if (!isConfidential(client.type)) throw invalid('Only web (confidential) clients have a secret.');
  const secret = generateSecret(CLIENT_SECRET_PREFIX);
  await svc.store.oauthClients.setSecret(client.id, svc.hasher.hash(secret), secret.slice(0, 8));
  svc.events.emitEvent({ type: 'client.secret_rotated', outcome: 'success', projectId: client.projectId, subject: actor, clientId: client.clientId, detail: { client: client.id } });
  return secret;
}

/** Deletes the client; its refresh tokens stop working and its consents are forgotten. */
export async function deleteClient(svc: CoreServices, client: OAuthClient, actor: string): Promise<void> {
  await svc.store.oauthClients.delete(client.id);
  await svc.store.consents.revokeClient(client.clientId);
  await svc.store.clientKeys.removeClient(client.clientId);
  svc.events.emitEvent({ type: 'client.deleted', outcome: 'success', projectId: client.projectId, subject: actor, clientId: client.clientId, detail: { client: client.id } });
}

// The same operations as seen by an actor: developers of the project manage its clients; bots cannot; only
// instance administrators (and the operator) may mark a client first-party, since first-party clients skip consent.

function noBots(actor: Actor): void {
  if (actor.type === 'bot') throw new DomainError('forbidden', 'Bots cannot manage OAuth clients.');
}

function firstPartyAllowed(actor: Actor, firstParty: boolean | undefined): void {
  if (firstParty === true && !isAdmin(actor)) throw new DomainError('forbidden', 'Only instance administrators may mark a client first-party (it skips the consent page).');
}

export async function loadClient(svc: ManagementServices, actor: Actor, projectId: string, clientId: string, needed: 'viewer' | 'developer'): Promise<OAuthClient> {
  requireScope(actor, needed === 'viewer' ? 'projects:read' : 'projects:write');
  await projectAccess(svc, actor, projectId, needed);
  if (needed !== 'viewer') noBots(actor);
  const client = await svc.store.oauthClients.findById(clientId);
  if (!client || client.projectId !== projectId) throw notFound('Client');
  return client;
}

export async function addProjectClient(svc: ManagementServices, actor: Actor, projectId: string, spec: ClientSpec): Promise<CreatedClient> {
  requireScope(actor, 'projects:write');
  noBots(actor);
  const { project } = await projectAccess(svc, actor, projectId, 'developer');
  firstPartyAllowed(actor, spec.firstParty);
  return createClient(svc, project.id, spec, actor.sub);
}

export async function listProjectClients(svc: ManagementServices, actor: Actor, projectId: string): Promise<OAuthClient[]> {
  requireScope(actor, 'projects:read');
  const { project } = await projectAccess(svc, actor, projectId, 'viewer');
  return svc.store.oauthClients.list(project.id);
}

export function getProjectClient(svc: ManagementServices, actor: Actor, projectId: string, clientId: string): Promise<OAuthClient> {
  return loadClient(svc, actor, projectId, clientId, 'viewer');
}

export async function updateProjectClient(svc: ManagementServices, actor: Actor, projectId: string, clientId: string, spec: Omit<Partial<ClientSpec>, 'type'>): Promise<OAuthClient> {
  const client = await loadClient(svc, actor, projectId, clientId, 'developer');
  firstPartyAllowed(actor, spec.firstParty);
  return updateClient(svc, client, spec, actor.sub);
}

export async function rotateProjectClient(svc: ManagementServices, actor: Actor, projectId: string, clientId: string): Promise<CreatedClient> {
  const client = await loadClient(svc, actor, projectId, clientId, 'developer');
  const secret = await rotateClientSecret(svc, client, actor.sub);
  return { client: (await svc.store.oauthClients.findById(client.id)) ?? client, secret };
}

export async function removeProjectClient(svc: ManagementServices, actor: Actor, projectId: string, clientId: string): Promise<void> {
  await deleteClient(svc, await loadClient(svc, actor, projectId, clientId, 'developer'), actor.sub);
}
