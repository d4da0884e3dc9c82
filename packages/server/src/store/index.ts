// The store: one narrow repository per concern over one database.
import { type Db, type DbOptions, openDb } from '../db/connect.ts';
import { ApiRepository } from './apis.ts';
import { AppTokenRepository } from './app-tokens.ts';
import { AuditRepository } from './audit.ts';
import { InvitationRepository } from './invitations.ts';
import { ManagementGrantRepository } from './management-grants.ts';
import { BotRepository } from './bots.ts';
import { ProjectRepository } from './projects.ts';
import { RefreshTokenRepository } from './refresh-tokens.ts';
import { RevocationRepository } from './revocations.ts';
import { SigningKeyRepository } from './signing-keys.ts';
import { UserRepository } from './users.ts';
import { OAuthClientRepository } from './oauth-clients.ts';
import { SessionRepository } from './sessions.ts';
import { ConsentRepository } from './consents.ts';
import { AuthorizationCodeRepository } from './authorization-codes.ts';
import { DeviceCodeRepository } from './device-codes.ts';
import { AssertionJtiRepository, ClientKeyRepository } from './client-keys.ts';
import { FederationRepository } from './federation.ts';
import { QuotaRepository } from './quotas.ts';

export interface Store {
  readonly db: Db;
  readonly users: UserRepository;
  readonly projects: ProjectRepository;
  readonly bots: BotRepository;
  readonly apis: ApiRepository;
  readonly managementGrants: ManagementGrantRepository;
  readonly invitations: InvitationRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly appTokens: AppTokenRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly revocations: RevocationRepository;
  readonly audit: AuditRepository;
  readonly oauthClients: OAuthClientRepository;
  readonly sessions: SessionRepository;
  readonly consents: ConsentRepository;
  readonly authorizationCodes: AuthorizationCodeRepository;
  readonly deviceCodes: DeviceCodeRepository;
  readonly clientKeys: ClientKeyRepository;
  readonly assertionJtis: AssertionJtiRepository;
  readonly federation: FederationRepository;
  readonly quotas: QuotaRepository;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openStore(options: DbOptions & { readonly auditBufferMax?: number | undefined }): Promise<Store> {
  const db = await openDb(options);
  const k = db.kysely;
  const audit = new AuditRepository(k, { maxBuffered: options.auditBufferMax });
  return Object.freeze({
    db,
    users: new UserRepository(k),
    projects: new ProjectRepository(k),
    bots: new BotRepository(k),
    apis: new ApiRepository(k),
    managementGrants: new ManagementGrantRepository(k),
    invitations: new InvitationRepository(k),
    refreshTokens: new RefreshTokenRepository(k, db.dialect),
    appTokens: new AppTokenRepository(k),
    signingKeys: new SigningKeyRepository(k),
    revocations: new RevocationRepository(k),
    audit,
    oauthClients: new OAuthClientRepository(k),
    sessions: new SessionRepository(k),
    consents: new ConsentRepository(k),
    authorizationCodes: new AuthorizationCodeRepository(k),
    deviceCodes: new DeviceCodeRepository(k),
    clientKeys: new ClientKeyRepository(k),
    assertionJtis: new AssertionJtiRepository(k),
    federation: new FederationRepository(k),
    quotas: new QuotaRepository(k),
    async ping() {
      await k.selectFrom('projects').select('id').limit(1).execute();
    },
    // The server flushes (and logs what it could not write) before closing; the CLI relies on this flush.
    async close() {
      await audit.flush().catch(() => undefined);
      await db.close();
    },
  });
}

export type { User } from './users.ts';
export type { Bot } from './bots.ts';
export type { AccessEntry, Api, ApiPatch, Grant, RoleScopes } from './apis.ts';
export type { Invitation } from './invitations.ts';
export type { ManagementGrant } from './management-grants.ts';
export type { Project, Member, Role, PrincipalType } from './projects.ts';
export type { RefreshToken } from './refresh-tokens.ts';
export type { OAuthClient, ClientType } from './oauth-clients.ts';
export type { Session } from './sessions.ts';
export type { ClientKey } from './client-keys.ts';
export type { TrustedIssuer, FederationRule } from './federation.ts';
export type { AppToken } from './app-tokens.ts';
export type { StoredKey, KeyState } from './signing-keys.ts';
export type { AuditEvent, StoredAuditEvent } from './audit.ts';
