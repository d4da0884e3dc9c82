// Signing in completes invitations: every pending invitation to the user's address becomes a membership, recorded
// as the inviting owner's doing. Called by every sign-in (the password grant, the browser login). With open
// sign-up only a verified address is trusted with them: anyone could register someone else's address.
import type { CoreServices } from './services.ts';
import type { User } from '../store/users.ts';

type InvitationServices = Pick<CoreServices, 'store' | 'events'> & { readonly config: Pick<CoreServices['config'], 'signup'> };

export async function acceptInvitations(svc: InvitationServices, user: User, at: { clientId?: string | undefined; ip?: string | undefined }): Promise<void> {
  if (!user.emailVerified && svc.config.signup) return;
  for (const inv of await svc.store.invitations.accept(user.id, user.email)) {
    svc.events.emitEvent({ type: 'member.added', outcome: 'success', projectId: inv.projectId, subject: inv.invitedBy ?? user.id, clientId: at.clientId, ip: at.ip, detail: { member: user.id, role: inv.role, invitation: inv.id } });
  }
}
