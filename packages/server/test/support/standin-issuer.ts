// A stand-in for a workload platform's OIDC issuer (GitHub Actions, a Kubernetes API server): its own keys,
// a discovery document and a JWKS at its own URL, and tokens with the claim sets those platforms issue.
// Keys rotate on demand; every request is counted by path, so a test can tell that nothing was fetched.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { type CryptoKey, type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';

export interface StandinIssuer {
  /** The issuer URL (http://127.0.0.1:PORT): tokens' iss, and where discovery is served. */
  readonly url: string;
  readonly jwksUri: string;
  /** Requests seen, by path. */
  hits(path: string): number;
  /** A new signing key with a new kid; `keepOld` keeps publishing the previous one (overlap). */
  rotate(keepOld?: boolean): Promise<void>;
  publicJwks(): { keys: JWK[] };
  sign(claims: Record<string, unknown>, options?: { lifetime?: number; iss?: string }): Promise<string>;
  /** A GitHub Actions OIDC token's claims (https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect). */
  github(o: { aud: string; repo: string; ref?: string; event?: string; environment?: string }): Record<string, unknown>;
  /** A Kubernetes projected service-account token's claims. */
  kubernetes(o: { aud: string; namespace: string; serviceAccount: string }): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startStandinIssuer(): Promise<StandinIssuer> {
  const hits = new Map<string, number>();
  let keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  let n = 0;
  const newKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = `standin-${++n}`;
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  };
  keys = [await newKey()];
  let url = '';
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (v: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (path === '/.well-known/openid-configuration') return json({ issuer: url, jwks_uri: `${url}/.well-known/jwks`, subject_types_supported: ['public', 'pairwise'], response_types_supported: ['id_token'], id_token_signing_alg_values_supported: ['RS256'] });
    if (path === '/.well-known/jwks') return json({ keys: keys.map((k) => k.jwk) });
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUri: `${url}/.well-known/jwks`,
    hits: (path) => hits.get(path) ?? 0,
    async rotate(keepOld = false) {
      const k = await newKey();
      keys = keepOld ? [k, ...keys] : [k];
    },
    publicJwks: () => ({ keys: keys.map((k) => k.jwk) }),
    async sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const k = keys[0]!;
      return new SignJWT({ jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: k.kid, typ: 'JWT' })
        .setIssuer(options.iss ?? url)
        .setIssuedAt(now)
        .setNotBefore(now - 5)
        .setExpirationTime(now + (options.lifetime ?? 300))
        .sign(k.privateKey);
    },
    github({ aud, repo, ref = 'refs/heads/main', event = 'push', environment }) {
      const [owner] = repo.split('/');
      const sub = event === 'pull_request' ? `repo:${repo}:pull_request` : environment ? `repo:${repo}:environment:${environment}` : `repo:${repo}:ref:${ref}`;
      return {
        aud,
        sub,
        ref,
        sha: 'd6f1f2a1c3b4e5f60718293a4b5c6d7e8f901234',
        repository: repo,
        repository_owner: owner,
        repository_owner_id: '1342004',
        repository_id: '480263417',
        repository_visibility: 'private',
        run_id: '7011846812',
        run_number: '42',
        run_attempt: '1',
        actor: 'octocat',
        actor_id: '583231',
        workflow: 'deploy',
        workflow_ref: `${repo}/.github/workflows/deploy.yml@${ref}`,
        job_workflow_ref: `${repo}/.github/workflows/deploy.yml@${ref}`,
        event_name: event,
        ref_type: 'branch',
        ref_protected: 'true',
        runner_environment: 'github-hosted',
        ...(environment ? { environment } : {}),
      };
    },
    kubernetes({ aud, namespace, serviceAccount }) {
      return {
        aud: [aud],
        sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
        'kubernetes.io': {
          namespace,
          node: { name: 'node-1', uid: 'b1f7c9e2-0000-4000-8000-000000000001' },
          pod: { name: `${serviceAccount}-7d9f8-abcde`, uid: 'c2e8d0f3-0000-4000-8000-000000000002' },
          serviceaccount: { name: serviceAccount, uid: 'd3f9e1a4-0000-4000-8000-000000000003' },
        },
      };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
