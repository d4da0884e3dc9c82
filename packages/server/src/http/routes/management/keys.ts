// Signing keys (instance administrators): their states, and rotation on demand.
// A forced rotation promotes the key already published as `next`, so verifiers that fetched JWKS since the
// last rotation know the new signing key before its first token; the old key stays published as `retiring`.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireAdmin, requireCaller } from '../../auth.ts';
import { ApiError } from '../../api-error.ts';
import { bearer, conflictResponse, errorResponses } from './schemas.ts';
import type { Keyring } from '../../../crypto/keyring.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const MaybeTime = Type.Union([Type.String(), Type.Null()]);

const KeyView = Type.Object({
  kid: Type.String(),
  alg: Type.String(),
  state: Type.Union(['next', 'active', 'retiring', 'retired'].map((s) => Type.Literal(s)), {
    description: 'next: published, not signing yet; active: signing; retiring: published until its tokens expire; retired: gone from JWKS',
  }),
  created_at: Type.String(),
  activated_at: MaybeTime,
  retiring_at: MaybeTime,
  publish_until: MaybeTime,
});
const KeyList = Type.Object({ keys: Type.Array(KeyView), rotation_days: Type.Integer() });
const Rotated = Type.Object({ rotated: Type.Array(Type.String(), { description: 'kids that now sign' }), retired: Type.Array(Type.String()), keys: Type.Array(KeyView) });

export function keyViews(keyring: Keyring) {
  return keyring.list().map((k) => ({
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    created_at: new Date(k.createdAt).toISOString(),
    activated_at: iso(k.activatedAt),
    retiring_at: iso(k.retiringAt),
    publish_until: iso(k.publishUntil),
  }));
}

export async function keyRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['keys'];

  app.get('/api/v1/keys', { onRequest: auth, schema: { tags, summary: 'List signing keys and their states', security: bearer, response: { 200: KeyList, ...errorResponses } } }, async (req) => {
    requireAdmin(callerOf(req));
    await ctx.keyring.refresh(); // another node may have rotated
    return { keys: keyViews(ctx.keyring), rotation_days: ctx.config.keyRotationDays };
  });

  app.post(
    '/api/v1/keys/rotate',
    { onRequest: auth, schema: { tags, summary: 'Rotate the signing keys now', security: bearer, response: { 200: Rotated, ...errorResponses, ...conflictResponse } } },
    async (req) => {
      const caller = callerOf(req);
      requireAdmin(caller);
      const r = await ctx.keyring.rotate(Date.now(), true);
      if (!r) throw new ApiError(409, 'Another node rotated the keys at the same moment; list the keys to see the result.');
      ctx.events.emitEvent({ type: 'key.rotated', outcome: 'success', subject: caller.sub, detail: { rotated: r.rotated, retired: r.retired, scheduled: false } });
      return { ...r, keys: keyViews(ctx.keyring) };
    },
  );
}
