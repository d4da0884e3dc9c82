// One set of migrations for SQLite and PostgreSQL. Append new migrations; never edit a released one.
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

function migrations(dialect: Dialect, report: (line: string) => void): Record<string, Migration> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  const time = 'bigint';
  return {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('picture', 'text')
          .addColumn('locale', 'text')
          .addColumn('password_grant', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('projects')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('members')
          .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
          .addColumn('principal_type', 'text', (c) => c.notNull())
          .addColumn('principal_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('members_pk', ['project_id', 'principal_type', 'principal_id'])
          .execute();
        await db.schema.createIndex('members_principal').on('members').columns(['principal_type', 'principal_id']).execute();
        await db.schema
          .createTable('bots')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('secret_prefix', 'text', (c) => c.notNull())
          .addColumn('previous_secret_hash', 'text')
          .addColumn('previous_secret_expires_at', time)
          .addColumn('password_grant', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addUniqueConstraint('bots_project_name', ['project_id', 'name'])
          .execute();
        await db.schema
          .createTable('apis')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('identifier', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('token_lifetime', 'integer')
          .addColumn('signing_alg', 'text')
          .addColumn('reuse_tokens', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('grants')
          .addColumn('api_id', 'text', (c) => c.notNull().references('apis.id').onDelete('cascade'))
          .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id').onDelete('cascade'))
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('grants_pk', ['api_id', 'bot_id'])
          .execute();
        await db.schema
          .createTable('refresh_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('family_id', 'text', (c) => c.notNull())
          .addColumn('subject_type', 'text', (c) => c.notNull())
          .addColumn('subject_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('audience', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('family_expires_at', time, (c) => c.notNull())
          .addColumn('used_at', time)
          .execute();
        await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
        await db.schema.createIndex('refresh_tokens_subject').on('refresh_tokens').columns(['subject_type', 'subject_id']).execute();
        await db.schema
          .createTable('app_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('jti', 'text', (c) => c.notNull().unique())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('audience', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('last_used_at', time)
          .addColumn('revoked_at', time)
          .execute();
        await db.schema.createIndex('app_tokens_user').on('app_tokens').column('user_id').execute();
        await db.schema
          .createTable('signing_keys')
          .addColumn('kid', 'text', (c) => c.primaryKey())
          .addColumn('alg', 'text', (c) => c.notNull())
          .addColumn('public_jwk', 'text', (c) => c.notNull())
          .addColumn('private_enc', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('activated_at', time)
          .addColumn('retiring_at', time)
          .addColumn('publish_until', time)
          .execute();
        await db.schema
          .createTable('revocations')
          .addColumn('seq', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('jti', 'text')
          .addColumn('subject', 'text')
          .addColumn('not_before', time)
          .addColumn('exp', time, (c) => c.notNull())
          .addColumn('revoked_at', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('revocations_jti').on('revocations').column('jti').execute();
        await db.schema.createIndex('revocations_subject').on('revocations').column('subject').execute();
        await db.schema
          .createTable('audit_events')
          .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('at', time, (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('project_id', 'text')
          .addColumn('subject', 'text')
          .addColumn('client_id', 'text')
          .addColumn('audience', 'text')
          .addColumn('grant_type', 'text')
          .addColumn('ip', 'text')
          .addColumn('detail', 'text')
          .execute();
        await db.schema.createIndex('audit_project').on('audit_events').columns(['project_id', 'id']).execute();
        await db.schema.createIndex('audit_subject').on('audit_events').columns(['subject', 'id']).execute();
        await db.schema.createIndex('audit_type').on('audit_events').columns(['type', 'id']).execute();
        await sql`select 1`.execute(db);
      },
    },
    '0002_cluster': {
      async up(db: Kysely<any>) {
        // Several nodes may load or rotate keys at once: the database itself keeps at most one signing (`active`)
        // and one published-next key per algorithm; the loser of a race gets a unique violation and rereads.
        // Duplicates left by releases without this index are demoted first (the newest active key keeps signing).
        const keys = await db.selectFrom('signing_keys').select(['kid', 'alg', 'state', 'activated_at', 'created_at']).where('state', 'in', ['active', 'next']).orderBy('created_at').execute();
        const now = Date.now();
        for (const state of ['active', 'next'] as const) {
          const byAlg = new Map<string, typeof keys>();
          for (const k of keys.filter((x) => x.state === state)) byAlg.set(k.alg, [...(byAlg.get(k.alg) ?? []), k]);
          for (const list of byAlg.values()) {
            const keep = list.reduce((a, b) => (Number(b.activated_at ?? 0) > Number(a.activated_at ?? 0) ? b : a));
            for (const k of list) {
              if (k === keep) continue;
              // A demoted active key may have signed tokens: it stays published for the longest token lifetime.
              const set = state === 'active' ? { state: 'retiring', retiring_at: now, publish_until: now + 366 * 86_400_000 } : { state: 'retired' };
              await db.updateTable('signing_keys').set(set).where('kid', '=', k.kid).execute();
            }
          }
        }
        await db.schema.createIndex('signing_keys_one_active').on('signing_keys').column('alg').unique().where(sql.ref('state'), '=', 'active').execute();
        await db.schema.createIndex('signing_keys_one_next').on('signing_keys').column('alg').unique().where(sql.ref('state'), '=', 'next').execute();
        if (dialect !== 'postgres') return;
        // Change notifications for node-local caches and key reloads (src/cluster): fired by the database in the
        // transaction that makes the change, so every writer (any node, the offline CLI, psql) is covered, and a
        // change that rolls back is never announced. The payload names the changed row's keys, never secrets.
        await sql`
          create or replace function gatehouse_notify_change() returns trigger language plpgsql as $$
          declare
            r jsonb;
            payload jsonb := jsonb_build_object('t', TG_TABLE_NAME, 'op', lower(TG_OP));
          begin
            if TG_LEVEL = 'ROW' then
              if TG_OP = 'INSERT' then r := to_jsonb(NEW); else r := to_jsonb(OLD); end if;
              for i in 0 .. TG_NARGS - 1 loop
                payload := payload || jsonb_build_object(TG_ARGV[i], r -> TG_ARGV[i]);
              end loop;
            end if;
            perform pg_notify('gatehouse_changes', payload::text);
            return null;
          end $$`.execute(db);
        await sql`create trigger bots_notify after insert or update or delete on bots for each row execute function gatehouse_notify_change('id', 'email')`.execute(db);
        await sql`create trigger apis_notify after insert or update or delete on apis for each row execute function gatehouse_notify_change('id', 'identifier')`.execute(db);
        await sql`create trigger grants_notify after insert or update or delete on grants for each row execute function gatehouse_notify_change('api_id', 'bot_id')`.execute(db);
        await sql`create trigger signing_keys_notify after insert or update or delete on signing_keys for each statement execute function gatehouse_notify_change()`.execute(db);
      },
    },
    '0003_revocation_notify': {
      // A revocation made on one node reaches the others' server-side token reuse caches (domain/token-reuse.ts),
      // which then need not ask the store whether a token they hold was revoked each time they hand it out.
      async up(db: Kysely<any>) {
        if (dialect !== 'postgres') return;
        await sql`create trigger revocations_notify after insert or update on revocations for each statement execute function gatehouse_notify_change()`.execute(db);
      },
    },
    '0004_oauth_clients': {
      // Browser login (issue 18): registered OAuth clients, browser sessions (by the keyed hash of the cookie),
      // consents, one-time authorization codes, device codes, and which refresh-token families a session started.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('oauth_clients')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull().unique())
          .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text')
          .addColumn('secret_prefix', 'text')
          .addColumn('redirect_uris', 'text', (c) => c.notNull())
          .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
          .addColumn('grant_types', 'text', (c) => c.notNull())
          .addColumn('audiences', 'text', (c) => c.notNull())
          .addColumn('scopes', 'text')
          .addColumn('refresh_rotation', 'text', (c) => c.notNull())
          .addColumn('refresh_grace_seconds', 'integer', (c) => c.notNull())
          .addColumn('refresh_idle_seconds', 'integer', (c) => c.notNull())
          .addColumn('refresh_absolute_seconds', 'integer', (c) => c.notNull())
          .addColumn('id_token_alg', 'text')
          .addColumn('first_party', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('oauth_clients_project').on('oauth_clients').column('project_id').execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('auth_time', time, (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('last_seen_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('revoked_at', time)
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
        await db.schema
          .createTable('session_families')
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('family_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('session_families_pk', ['session_id', 'family_id'])
          .execute();
        await db.schema
          .createTable('consents')
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('consents_pk', ['user_id', 'client_id'])
          .execute();
        await db.schema
          .createTable('authorization_codes')
          .addColumn('code_hash', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('session_id', 'text')
          .addColumn('redirect_uri', 'text', (c) => c.notNull())
          .addColumn('code_challenge', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('audience', 'text', (c) => c.notNull())
          .addColumn('nonce', 'text')
          .addColumn('auth_time', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('used_at', time)
          .addColumn('issued', 'text')
          .execute();
        await db.schema
          .createTable('device_codes')
          .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('scope', 'text')
          .addColumn('audience', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('session_id', 'text')
          .addColumn('interval_seconds', 'integer', (c) => c.notNull())
          .addColumn('last_polled_at', time)
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .execute();
      },
    },
    '0005_grant_access_tokens': {
      // RFC 7009 §2.1: revoking a refresh token also revokes the access tokens of its grant. Every access token
      // issued under a refresh-token family is recorded here (jti, expiry) until it expires, so revoking the family
      // can put them in the revocation feed. Families from before this migration have none recorded.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('grant_access_tokens')
          .addColumn('jti', 'text', (c) => c.primaryKey())
          .addColumn('family_id', 'text', (c) => c.notNull())
          .addColumn('exp', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('grant_access_tokens_family').on('grant_access_tokens').column('family_id').execute();
      },
    },
    '0006_workload_identity': {
      // Bots without long-lived secrets (issue 20): public keys a client signs its assertions with (inline, or a
      // jwks_uri), the jti of every assertion seen until it expires (single use across nodes), whether a bot's
      // secret is turned off, and the trusted external issuers and federation rules of a project.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('client_keys')
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('kid', 'text', (c) => c.notNull())
          .addColumn('alg', 'text', (c) => c.notNull())
          .addColumn('jwk', 'text', (c) => c.notNull())
          .addColumn('expires_at', time)
          .addColumn('created_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('client_keys_pk', ['client_id', 'kid'])
          .execute();
        await db.schema
          .createTable('client_jwks_uris')
          .addColumn('client_id', 'text', (c) => c.primaryKey())
          .addColumn('uri', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('assertion_jtis')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('assertion_jtis_expiry').on('assertion_jtis').column('expires_at').execute();
        await db.schema.alterTable('bots').addColumn('secret_disabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema
          .createTable('trusted_issuers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
          .addColumn('issuer', 'text', (c) => c.notNull())
          .addColumn('jwks_uri', 'text')
          .addColumn('jwks', 'text')
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addUniqueConstraint('trusted_issuers_project_issuer', ['project_id', 'issuer'])
          .execute();
        await db.schema.createIndex('trusted_issuers_issuer').on('trusted_issuers').column('issuer').execute();
        await db.schema
          .createTable('federation_rules')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
          .addColumn('issuer_id', 'text', (c) => c.notNull().references('trusted_issuers.id').onDelete('cascade'))
          .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('audience', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('claims', 'text', (c) => c.notNull())
          .addColumn('single_use', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addUniqueConstraint('federation_rules_project_name', ['project_id', 'name'])
          .execute();
        await db.schema.createIndex('federation_rules_issuer').on('federation_rules').column('issuer_id').execute();
      },
    },
    '0007_issuance_quotas': {
      // Issuance quotas (issue 20): at most so many newly signed tokens per hour and per day, for a bot or for
      // all the bots of a project; `monitor` counts and logs without refusing.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('issuance_quotas')
          .addColumn('scope_type', 'text', (c) => c.notNull())
          .addColumn('scope_id', 'text', (c) => c.notNull())
          .addColumn('hourly', 'integer')
          .addColumn('daily', 'integer')
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('issuance_quotas_pk', ['scope_type', 'scope_id'])
          .execute();
      },
    },
    '0008_authorization': {
      // APIs get an owner (a project, or the installation when owner_project_id is null), an access list for other
      // projects, a role→scope mapping and scopes for every signed-in user; bots get a management grant and their
      // creator; adding a member by email makes an invitation. Existing data: every API becomes a global API,
      // every existing bot grant keeps working (its project gets an access entry for the API's scopes), and users
      // get no API scope until an owner maps roles. What it did is reported through `report`.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('apis').addColumn('owner_project_id', 'text', (c) => c.references('projects.id').onDelete('cascade')).execute();
        await db.schema.alterTable('apis').addColumn('listed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('apis').addColumn('role_scopes', 'text', (c) => c.notNull().defaultTo('{}')).execute();
        await db.schema.alterTable('apis').addColumn('user_scopes', 'text', (c) => c.notNull().defaultTo('[]')).execute();
        await db.schema.createIndex('apis_owner').on('apis').column('owner_project_id').execute();
        await db.schema.alterTable('bots').addColumn('created_by', 'text').execute();
        await db.schema
          .createTable('api_access')
          .addColumn('api_id', 'text', (c) => c.notNull().references('apis.id').onDelete('cascade'))
          .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text')
          .addColumn('created_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('api_access_pk', ['api_id', 'project_id'])
          .execute();
        await db.schema.createIndex('api_access_project').on('api_access').column('project_id').execute();
        await db.schema
          .createTable('management_grants')
          .addColumn('bot_id', 'text', (c) => c.primaryKey().references('bots.id').onDelete('cascade'))
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('invitations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('invited_by', 'text')
          .addColumn('created_at', time, (c) => c.notNull())
          .addUniqueConstraint('invitations_project_email', ['project_id', 'email'])
          .execute();
        await db.schema.createIndex('invitations_email').on('invitations').column('email').execute();

        // Existing data.
        const apis = await db.selectFrom('apis').select(['id', 'identifier', 'scopes']).execute();
        const now = Date.now();
        for (const api of apis) {
          report(`authorization: API ${api.identifier} is now a global API owned by the installation; users get none of its scopes until an owner maps roles (PATCH /api/v1/apis/${api.id} {"role_scopes": ...})`);
          const projects = await db
            .selectFrom('grants')
            .innerJoin('bots', 'bots.id', 'grants.bot_id')
            .select('bots.project_id')
            .distinct()
            .where('grants.api_id', '=', api.id)
            .execute();
          for (const { project_id } of projects) {
            await db.insertInto('api_access').values({ api_id: api.id, project_id, scopes: api.scopes, created_by: null, created_at: now }).execute();
            report(`authorization: project ${project_id} keeps its bots' grants on ${api.identifier}: access entry for the API's scopes ${api.scopes}`);
          }
        }
        // Bots could read their projects before; they keep that (and only that) on the management API.
        const bots = await db.selectFrom('bots').select('id').execute();
        for (const b of bots) await db.insertInto('management_grants').values({ bot_id: b.id, scopes: '["projects:read"]', created_at: now }).execute();
        if (bots.length) report(`authorization: ${bots.length} existing bot(s) keep reading their projects: management grant projects:read (change with PUT /api/v1/apis/management/grants/{botId})`);
        if (dialect !== 'postgres') return;
        // Access entries are part of what node-local caches hold of an API (cluster/cached-store.ts).
        await sql`create trigger api_access_notify after insert or update or delete on api_access for each row execute function gatehouse_notify_change('api_id', 'project_id')`.execute(db);
      },
    },
    '0009_user_status': {
      // Disabling a user (issue 15 item 6): set while the account is disabled; logins and tokens are refused.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('users').addColumn('disabled_at', time).execute();
      },
    },
  };
}

/** `report` hears, once, what a migration did to existing data (logged at start-up). */
export function migrationProvider(dialect: Dialect, report: (line: string) => void = () => undefined): MigrationProvider {
  return { getMigrations: async () => migrations(dialect, report) };
}
