/** An OAuth error answer of the token endpoint, in Okta's body: `{ error, error_description }`. */
export interface OAuthFailure {
  readonly status: 400 | 401
  readonly error: string
  readonly description: string
}

/** Builds an `OAuthFailure`. */
export const oauthFailure = (status: 400 | 401, error: string, description: string): OAuthFailure => ({
  status,
  error,
  description
})
