/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (see
 * `scripts/build/build-functions.ts`). In Lambda the execution role's credentials are always in the
 * environment, so the rest of the default chain (SSO, profiles, web identity, container and
 * instance metadata, with the STS and SSO clients it carries) is dead weight: about 95 KB of
 * minified code parsed at every cold start.
 */

export interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Reads the credentials Lambda puts in the environment, failing with a message that says so. */
export function credentialsFromEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): EnvironmentCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      "AWS credentials are not in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (the Lambda runtime sets them from the execution role)",
    );
  }
  const expiration = env.AWS_CREDENTIAL_EXPIRATION;
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    ...(expiration ? { expiration: new Date(expiration) } : {}),
  };
}

/** Same export as `@aws-sdk/credential-provider-node`: a provider factory for the clients. */
export function defaultProvider(): () => Promise<EnvironmentCredentials> {
  return () => Promise.resolve().then(() => credentialsFromEnvironment());
}

/** Environment credentials are re-read on every call; they never need a refresh of their own. */
export const credentialsWillNeedRefresh = (): boolean => false;

export const credentialsTreatedAsExpired = (): boolean => false;
