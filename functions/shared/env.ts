/** Reading function configuration from environment variables, with errors that say what to set. */

export type Environment = Readonly<Record<string, string | undefined>>;

/** The value of a required variable; throws when it is missing or blank. */
export function requiredEnv(name: string, env: Environment = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new Error(`Environment variable ${name} is required but not set`);
  }
  return value;
}

/** A required variable holding a whole number of at least 1. */
export function positiveIntegerEnv(name: string, env: Environment = process.env): number {
  const text = requiredEnv(name, env);
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new Error(
      `Environment variable ${name} must be a whole number of at least 1, got "${text}"`,
    );
  }
  return Number(text);
}
