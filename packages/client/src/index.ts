// @gatehouse/client: get, cache and refresh Gatehouse tokens; no runtime dependency, only the platform's fetch.
export { clientCredentials, type ClientCredentialsOptions } from './providers/client-credentials.ts';
export { botLogin, passwordLogin, type BotLoginOptions, type PasswordLoginOptions } from './providers/password-login.ts';
export { appToken, requestAppToken, type RequestAppTokenOptions } from './providers/app-token.ts';
export type { ProviderOptions } from './providers/options.ts';
export { createAuthFetch, type AuthFetchOptions } from './auth-fetch.ts';
export { decodeJwt, decodeProtectedHeader, type JwtClaims, type JwtHeader } from './jwt.ts';
export { discover, clearDiscoveryCache, type DiscoveryDocument } from './discovery.ts';
export { GatehouseError, isGatehouseError, type GatehouseErrorCode } from './errors.ts';
export { memoryStore, type CacheStore } from './cache-store.ts';
export { systemClock, type Clock } from './clock.ts';
export type { CacheOptions, FetchToken } from './cached-provider.ts';
export { cachedProvider, cacheKey } from './cached-provider.ts';
export type { RefreshPolicy } from './policy.ts';
export type { RetryOptions } from './backoff.ts';
export type { ClientAuthMethod } from './token-endpoint.ts';
export type { FetchLike } from './http.ts';
export type { CachingTokenProvider, GetTokenOptions, Token, TokenProvider } from './token.ts';
