import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentSettings,
} from "../modules/config/settings";

/** `dev 512 MB, staging 1024 MB, production 2048 MB`: a setting per environment, for descriptions. */
export function perEnvironment(describe: (settings: EnvironmentSettings) => string): string {
  return ENVIRONMENT_NAMES.map((name) => `${name} ${describe(ENVIRONMENT_SETTINGS[name])}`).join(
    ", ",
  );
}

/** `staging and production`: the environments whose settings pass `test`. */
export function environmentsWhere(test: (settings: EnvironmentSettings) => boolean): string {
  const names = ENVIRONMENT_NAMES.filter((name) => test(ENVIRONMENT_SETTINGS[name]));
  if (names.length === 0) {
    return "no environment";
  }
  return names.length === 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1] ?? ""}`;
}
