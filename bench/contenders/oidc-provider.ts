/**
 * node-oidc-provider (panva), latest, as its documentation configures it for machine-to-machine tokens:
 * client_credentials, resource indicators with one resource server whose access tokens are JWTs signed
 * with ES256, the default in-memory adapter. Nothing is turned off to slow it down or sped up by hand.
 */
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const resource = env('BENCH_RESOURCE');
const scope = env('BENCH_SCOPES');
const port = Number(env('PORT'));
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'bench-es256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('BENCH_CLIENT_ID'),
      client_secret: env('BENCH_CLIENT_SECRET'),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope,
      id_token_signed_response_alg: 'ES256', // the only key it has; no ID token is issued by this grant
    },
  ],
  jwks: { keys: [jwk] },
  scopes: scope.split(' '),
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx: unknown, indicator: string) => {
        if (indicator !== resource) throw new Provider.errors.InvalidTarget();
        return { scope, audience: resource, accessTokenTTL: 86_400, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
  ttl: { ClientCredentials: 86_400 },
  routes: { token: '/oauth/token' }, // the same path as the others, so the requests are byte for byte the same
  cookies: { keys: ['bench-cookie-key-not-used-by-this-grant'] },
});
provider.listen(port, '127.0.0.1', () => process.stderr.write(`READY ${issuer}\n`));
