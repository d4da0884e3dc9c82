// One set of migrations for SQLite and PostgreSQL. Append new migrations; never edit a released one.
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

function migrations(dialect: Dialect): Record<string, Migration> {
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
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
