// The one error type of the management API and the seed endpoints outside /oauth.
export type AuthReason = 'token_expired' | 'token_revoked' | 'token_invalid' | 'insufficient_scope';

export class ApiError extends Error {
  readonly status: number;
  readonly reason: AuthReason | undefined;
  readonly detail: string | undefined;
  constructor(status: number, message: string, options: { reason?: AuthReason; detail?: string } = {}) {
    super(message);
    this.status = status;
    this.reason = options.reason;
    this.detail = options.detail;
  }
}

