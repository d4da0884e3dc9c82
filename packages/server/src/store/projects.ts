import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';

export const ROLES = ['owner', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export type PrincipalType = 'user' | 'bot';

export interface Project {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

export interface Member {
  projectId: string;
  type: PrincipalType;
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
}

export class ProjectRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Creates the project with its creator as owner, in one transaction. */
  async create(name: string, ownerUserId: string): Promise<Project> {
    const now = Date.now();
    const p = { id: newId(), name, created_at: now, updated_at: now };
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('projects').values(p).execute();
      await tx
        .insertInto('members')
        .values({ project_id: p.id, principal_type: 'user', principal_id: ownerUserId, role: 'owner', created_at: now })
        .execute();
    });
    return { id: p.id, name, createdAt: now, updatedAt: now };
  }

  async get(id: string): Promise<Project | undefined> {
    const r = await this.#db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  async listFor(type: PrincipalType, principalId: string): Promise<(Project & { role: Role })[]> {
    const rows = await this.#db
      .selectFrom('projects')
      .innerJoin('members', 'members.project_id', 'projects.id')
      .select(['projects.id', 'projects.name', 'projects.created_at', 'projects.updated_at', 'members.role'])
      .where('members.principal_type', '=', type)
      .where('members.principal_id', '=', principalId)
      .orderBy('projects.created_at')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at, role: r.role as Role }));
  }

  async rename(id: string, name: string): Promise<void> {
    await this.#db.updateTable('projects').set({ name, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('members').where('project_id', '=', id).execute();
      await tx.deleteFrom('bots').where('project_id', '=', id).execute();
      // The APIs it owns go with it (their grants and access lists first), and so does its access to others'.
      const owned = tx.selectFrom('apis').select('id').where('owner_project_id', '=', id);
      await tx.deleteFrom('grants').where('api_id', 'in', owned).execute();
      await tx.deleteFrom('api_access').where((eb) => eb.or([eb('project_id', '=', id), eb('api_id', 'in', owned)])).execute();
      await tx.deleteFrom('apis').where('owner_project_id', '=', id).execute();
      await tx.deleteFrom('invitations').where('project_id', '=', id).execute();
      await tx.deleteFrom('projects').where('id', '=', id).execute();
    });
  }

  async roleOf(projectId: string, type: PrincipalType, principalId: string): Promise<Role | undefined> {
    const r = await this.#db
      .selectFrom('members')
      .select('role')
      .where('project_id', '=', projectId)
      .where('principal_type', '=', type)
      .where('principal_id', '=', principalId)
      .executeTakeFirst();
    return r?.role as Role | undefined;
  }

  async members(projectId: string): Promise<Member[]> {
    const users = await this.#db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.principal_id')
      .select(['members.principal_id as id', 'users.email', 'users.name', 'members.role', 'members.created_at'])
      .where('members.project_id', '=', projectId)
      .where('members.principal_type', '=', 'user')
      .execute();
    const bots = await this.#db
      .selectFrom('members')
      .innerJoin('bots', 'bots.id', 'members.principal_id')
      .select(['members.principal_id as id', 'bots.email', 'bots.name', 'members.role', 'members.created_at'])
      .where('members.project_id', '=', projectId)
      .where('members.principal_type', '=', 'bot')
      .execute();
    const shape = (type: PrincipalType) => (r: { id: string; email: string; name: string; role: string; created_at: number }): Member => ({
      projectId,
      type,
      id: r.id,
      email: r.email,
      name: r.name,
      role: r.role as Role,
      createdAt: r.created_at,
    });
    return [...users.map(shape('user')), ...bots.map(shape('bot'))].sort((a, b) => a.createdAt - b.createdAt);
  }

  async addMember(projectId: string, type: PrincipalType, principalId: string, role: Role): Promise<void> {
    await this.#db
      .insertInto('members')
      .values({ project_id: projectId, principal_type: type, principal_id: principalId, role, created_at: Date.now() })
      .execute();
  }

  async setRole(projectId: string, type: PrincipalType, principalId: string, role: Role): Promise<boolean> {
    const r = await this.#db
      .updateTable('members')
      .set({ role })
      .where('project_id', '=', projectId)
      .where('principal_type', '=', type)
      .where('principal_id', '=', principalId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async removeMember(projectId: string, type: PrincipalType, principalId: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('members')
      .where('project_id', '=', projectId)
      .where('principal_type', '=', type)
      .where('principal_id', '=', principalId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Every project, for instance administrators and the offline CLI. */
  async listAll(): Promise<Project[]> {
    const rows = await this.#db.selectFrom('projects').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /**
   * Changes a member's role, or removes the member (`role` undefined), but never leaves the project without an
   * owner. The project row is touched first, which serializes membership changes per project (a row lock on
   * PostgreSQL, the write lock on SQLite), so two owners demoting each other at once cannot both succeed.
   */
  async changeMember(projectId: string, type: PrincipalType, principalId: string, role: Role | undefined): Promise<'ok' | 'not_member' | 'last_owner'> {
    return this.#db.transaction().execute(async (tx) => {
      await tx.updateTable('projects').set({ updated_at: Date.now() }).where('id', '=', projectId).execute();
      const current = await tx
        .selectFrom('members')
        .select('role')
        .where('project_id', '=', projectId)
        .where('principal_type', '=', type)
        .where('principal_id', '=', principalId)
        .executeTakeFirst();
      if (!current) return 'not_member';
      if (current.role === 'owner' && role !== 'owner') {
        const owners = await tx
          .selectFrom('members')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('project_id', '=', projectId)
          .where('role', '=', 'owner')
          .executeTakeFirstOrThrow();
        if (Number(owners.n) <= 1) return 'last_owner';
      }
      if (role === undefined) {
        await tx
          .deleteFrom('members')
          .where('project_id', '=', projectId)
          .where('principal_type', '=', type)
          .where('principal_id', '=', principalId)
          .execute();
      } else {
        await tx
          .updateTable('members')
          .set({ role })
          .where('project_id', '=', projectId)
          .where('principal_type', '=', type)
          .where('principal_id', '=', principalId)
          .execute();
      }
      return 'ok';
    });
  }

  async ownerCount(projectId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
