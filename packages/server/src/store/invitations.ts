// Adding a member by email invites, whether or not the address is registered; the invitation becomes a
// membership when that user signs in.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';
import type { Role } from './projects.ts';
import { normalizeEmail } from './users.ts';

export interface Invitation {
  id: string;
  projectId: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: number;
}

type Row = { id: string; project_id: string; email: string; role: string; invited_by: string | null; created_at: number };
const toInvitation = (r: Row): Invitation => ({ id: r.id, projectId: r.project_id, email: r.email, role: r.role as Role, invitedBy: r.invited_by, createdAt: r.created_at });

export class InvitationRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Invites the address, or changes the role of its pending invitation (one upsert). */
  async put(projectId: string, email: string, role: Role, invitedBy: string | null): Promise<Invitation> {
    const row = { id: newId(), project_id: projectId, email: normalizeEmail(email), role, invited_by: invitedBy, created_at: Date.now() };
    await this.#db
      .insertInto('invitations')
      .values(row)
      .onConflict((oc) => oc.columns(['project_id', 'email']).doUpdateSet({ role, invited_by: invitedBy }))
      .execute();
    const r = await this.#db.selectFrom('invitations').selectAll().where('project_id', '=', projectId).where('email', '=', row.email).executeTakeFirstOrThrow();
    return toInvitation(r);
  }

  async list(projectId: string): Promise<Invitation[]> {
    return (await this.#db.selectFrom('invitations').selectAll().where('project_id', '=', projectId).orderBy('created_at').execute()).map(toInvitation);
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('invitations').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Turns every invitation for the user's address into a membership (an existing membership keeps its role). */
  async accept(userId: string, email: string): Promise<Invitation[]> {
    const address = normalizeEmail(email);
    return this.#db.transaction().execute(async (tx) => {
      const pending = (await tx.selectFrom('invitations').selectAll().where('email', '=', address).execute()).map(toInvitation);
      for (const inv of pending) {
        await tx
          .insertInto('members')
          .values({ project_id: inv.projectId, principal_type: 'user', principal_id: userId, role: inv.role, created_at: Date.now() })
          .onConflict((oc) => oc.columns(['project_id', 'principal_type', 'principal_id']).doNothing())
          .execute();
      }
      if (pending.length) await tx.deleteFrom('invitations').where('email', '=', address).execute();
      return pending;
    });
  }
}
