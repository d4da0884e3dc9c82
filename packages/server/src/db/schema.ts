// Row types of the store. Times are epoch milliseconds; lists are JSON text (portable across SQLite and PostgreSQL).
// These types stay inside src/store: protocol code sees the domain types the repositories return.
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  email_verified: number;
  is_admin: number;
  picture: string | null;
  locale: string | null;
  password_grant: number;
  created_at: number;
  updated_at: number;
  /** Set while an administrator has disabled the account (0008_user_status). */
  disabled_at: number | null;
}

export interface ProjectsTable {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface MembersTable {
  project_id: string;
  principal_type: 'user' | 'bot';
  principal_id: string;
  role: string;
  created_at: number;
}

export interface BotsTable {
  id: string;
  project_id: string;
  name: string;
  email: string;
  secret_hash: string;
  secret_prefix: string;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  password_grant: number;
  secret_disabled: Generated<number>;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface ApisTable {
  id: string;
  identifier: string;
  name: string;
  scopes: string;
  token_lifetime: number | null;
  signing_alg: string | null;
  reuse_tokens: number;
  /** The owning project; null for a global API (owned by the installation). */
  owner_project_id: string | null;
  /** Listed to every signed-in user (global APIs). */
  listed: number;
  /** JSON {"owner":[...],"developer":[...],"viewer":[...]}. */
  role_scopes: string;
  /** JSON list: scopes every signed-in user receives. */
  user_scopes: string;
  created_at: number;
  updated_at: number;
}

export interface ApiAccessTable {
  api_id: string;
  project_id: string;
  scopes: string;
  created_by: string | null;
  created_at: number;
}

export interface ManagementGrantsTable {
  bot_id: string;
  scopes: string;
  created_at: number;
}

export interface InvitationsTable {
  id: string;
  project_id: string;
  email: string;
  role: string;
  invited_by: string | null;
  created_at: number;
}

export interface GrantsTable {
  api_id: string;
  bot_id: string;
  scopes: string;
  created_at: number;
}

export interface RefreshTokensTable {
  id: string;
  token_hash: string;
  family_id: string;
  subject_type: 'user' | 'bot';
  subject_id: string;
  client_id: string;
  audience: string;
  scope: string;
  status: 'active' | 'used' | 'revoked';
  created_at: number;
  expires_at: number;
  family_expires_at: number;
  used_at: number | null;
}

/** Access tokens issued under a refresh-token family, for revoking them with it (0005_grant_access_tokens). */
export interface GrantAccessTokensTable {
  jti: string;
  family_id: string;
  exp: number;
}

export interface AppTokensTable {
  id: string;
  user_id: string;
  name: string;
  jti: string;
  prefix: string;
  scope: string;
  audience: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_enc: string;
  state: 'next' | 'active' | 'retiring' | 'retired';
  created_at: number;
  activated_at: number | null;
  retiring_at: number | null;
  publish_until: number | null;
}

export interface RevocationsTable {
  seq: Generated<number>;
  jti: string | null;
  subject: string | null;
  not_before: number | null;
  exp: number;
  revoked_at: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  type: string;
  outcome: string;
  project_id: string | null;
  subject: string | null;
  client_id: string | null;
  audience: string | null;
  grant_type: string | null;
  ip: string | null;
  detail: string | null;
}

export interface OAuthClientsTable {
  id: string;
  client_id: string;
  project_id: string;
  name: string;
  type: 'web' | 'spa' | 'native';
  secret_hash: string | null;
  secret_prefix: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  audiences: string;
  scopes: string | null;
  refresh_rotation: 'strict' | 'grace' | 'off';
  refresh_grace_seconds: number;
  refresh_idle_seconds: number;
  refresh_absolute_seconds: number;
  id_token_alg: string | null;
  first_party: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  auth_time: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
  revoked_at: number | null;
}

export interface SessionFamiliesTable {
  session_id: string;
  family_id: string;
}

export interface ConsentsTable {
  user_id: string;
  client_id: string;
  scopes: string;
  created_at: number;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  client_id: string;
  user_id: string;
  session_id: string | null;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  audience: string;
  nonce: string | null;
  auth_time: number;
  expires_at: number;
  used_at: number | null;
  issued: string | null;
}

export interface DeviceCodesTable {
  device_code_hash: string;
  user_code_hash: string;
  client_id: string;
  scope: string | null;
  audience: string | null;
  status: 'pending' | 'approved' | 'denied' | 'used';
  user_id: string | null;
  session_id: string | null;
  interval_seconds: number;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface ClientKeysTable {
  client_id: string;
  kid: string;
  alg: string;
  jwk: string;
  expires_at: number | null;
  created_at: number;
}

export interface ClientJwksUrisTable {
  client_id: string;
  uri: string;
  created_at: number;
}

export interface AssertionJtisTable {
  key: string;
  expires_at: number;
}

export interface TrustedIssuersTable {
  id: string;
  project_id: string;
  issuer: string;
  jwks_uri: string | null;
  jwks: string | null;
  created_at: number;
  updated_at: number;
}

export interface FederationRulesTable {
  id: string;
  project_id: string;
  issuer_id: string;
  bot_id: string;
  name: string;
  audience: string;
  subject: string;
  claims: string;
  single_use: number;
  created_at: number;
  updated_at: number;
}

export interface IssuanceQuotasTable {
  scope_type: 'bot' | 'project';
  scope_id: string;
  hourly: number | null;
  daily: number | null;
  mode: string;
  updated_at: number;
}

export interface Database {
  issuance_quotas: IssuanceQuotasTable;
  client_keys: ClientKeysTable;
  client_jwks_uris: ClientJwksUrisTable;
  assertion_jtis: AssertionJtisTable;
  trusted_issuers: TrustedIssuersTable;
  federation_rules: FederationRulesTable;
  users: UsersTable;
  projects: ProjectsTable;
  members: MembersTable;
  bots: BotsTable;
  apis: ApisTable;
  grants: GrantsTable;
  api_access: ApiAccessTable;
  management_grants: ManagementGrantsTable;
  invitations: InvitationsTable;
  refresh_tokens: RefreshTokensTable;
  grant_access_tokens: GrantAccessTokensTable;
  app_tokens: AppTokensTable;
  signing_keys: SigningKeysTable;
  revocations: RevocationsTable;
  audit_events: AuditEventsTable;
  oauth_clients: OAuthClientsTable;
  sessions: SessionsTable;
  session_families: SessionFamiliesTable;
  consents: ConsentsTable;
  authorization_codes: AuthorizationCodesTable;
  device_codes: DeviceCodesTable;
}
