// Signing keys (instance administrators): their states, and rotation on demand.
// A forced rotation promotes the key already published as `next`, so verifiers that fetched JWKS since the
// last rotation know the new signing key before its first token; the old key stays published as `retiring`.
import type { Keyring } from './keyring.ts';
import { type Actor, requireAdmin } from './caller.ts';
import { DomainError } from './errors.ts';
import type { ManagementServices } from './services.ts';

export type KeyInfo = ReturnType<Keyring['list']>[number];

export async function listKeys(svc: ManagementServices, actor: Actor): Promise<{ keys: KeyInfo[]; rotationDays: number }> {
  requireAdmin(actor);
  await svc.keyring.refresh(); // another node may have rotated
  return { keys: svc.keyring.list(), rotationDays: svc.config.keyRotationDays };
}

export async function rotateKeys(svc: ManagementServices, actor: Actor): Promise<{ rotated: string[]; retired: string[]; keys: KeyInfo[] }> {
  requireAdmin(actor);
  const r = await svc.keyring.rotate(Date.now(), true);
  if (!r) throw new DomainError('conflict', 'Another node rotated the keys at the same moment; list the keys to see the result.');
  svc.events.emitEvent({ type: 'key.rotated', outcome: 'success', subject: actor.sub, detail: { rotated: r.rotated, retired: r.retired, scheduled: false } });
  return { ...r, keys: svc.keyring.list() };
}
