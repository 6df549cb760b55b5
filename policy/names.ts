import { ENVIRONMENT_NAMES } from "../modules/config/settings";

/** The parts of a physical name built by `modules/naming`: `[prefix]{env}-{service}-{region}-{suffix}`. */
export interface ParsedName {
  readonly prefix: string;
  readonly environment: string;
  readonly service: string;
  readonly region: string;
  readonly suffix: string;
}

const NAME_PATTERN = new RegExp(
  `^(.*?)(${ENVIRONMENT_NAMES.join("|")})-([a-z0-9]+(?:-[a-z0-9]+)*)-([a-z]{2}(?:-gov)?-[a-z]+-\\d)-([a-z0-9]{1,12})$`,
);

export function parsePhysicalName(name: string): ParsedName | undefined {
  const match = NAME_PATTERN.exec(name);
  if (match === null) {
    return undefined;
  }
  const [, prefix = "", environment = "", service = "", region = "", suffix = ""] = match;
  return { prefix, environment, service, region, suffix };
}

/** The service a resource belongs to: its `Service` tag, else the service part of its physical name. */
export function serviceOf(
  tags: Readonly<Record<string, string>>,
  physicalName: string | undefined,
): string | undefined {
  return (
    tags.Service ??
    (physicalName === undefined ? undefined : parsePhysicalName(physicalName)?.service)
  );
}
