// Signing keys (instance administrators): their states, and rotation on demand (see domain/keys.ts).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { bearer, conflictResponse, errorResponses } from './schemas.ts';
import { listKeys, rotateKeys } from '../../../domain/keys.ts';
import { keyView } from '../../../views.ts';

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

export async function keyRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['keys'];

  app.get('/api/v1/keys', { onRequest: auth, schema: { tags, summary: 'List signing keys and their states', security: bearer, response: { 200: KeyList, ...errorResponses } } }, async (req) => {
    const { keys, rotationDays } = await listKeys(ctx, callerOf(req));
    return { keys: keys.map(keyView), rotation_days: rotationDays };
  });

  app.post(
    '/api/v1/keys/rotate',
    { onRequest: auth, schema: { tags, summary: 'Rotate the signing keys now', security: bearer, response: { 200: Rotated, ...errorResponses, ...conflictResponse } } },
    async (req) => {
      const r = await rotateKeys(ctx, callerOf(req));
      return { rotated: r.rotated, retired: r.retired, keys: r.keys.map(keyView) };
    },
  );
}
