/** Narrowing helpers for resource properties, which arrive as untyped JSON-like values. */

export type Props = Readonly<Record<string, unknown>>;

export function asRecord(value: unknown): Props | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Props)
    : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string or a list of strings (IAM's `Action`, `Resource`), as a list. */
export function asStringList(value: unknown): readonly string[] {
  if (typeof value === "string") {
    return [value];
  }
  return asArray(value).filter((item): item is string => typeof item === "string");
}

function stringEntries(value: unknown): [string, string][] {
  return Object.entries(asRecord(value) ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string",
  );
}

/**
 * Whether an error is the policy host's signal that a value is unknown during a preview (the host
 * turns it into an advisory "can't run policy during preview" diagnostic).
 */
export function isUnknownValueError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === "UnknownValueError";
}

/**
 * The resource's tags: `tagsAll` (provider default tags included) overlaid with its own `tags`.
 * `tagsAll` is computed by the provider and may be unknown during a preview; the resource's own
 * tags are then all there is, rather than the whole rule becoming advisory.
 */
export function tagsOf(props: Props): Readonly<Record<string, string>> {
  let computed: [string, string][] = [];
  try {
    computed = stringEntries(props.tagsAll);
  } catch (error) {
    if (!isUnknownValueError(error)) {
      throw error;
    }
  }
  return Object.fromEntries([...computed, ...stringEntries(props.tags)]);
}

/** `Lambda function "processor" (dev-market-processor-us-east-1-a1)`: the label every message starts with. */
export function describeResource(
  label: string,
  logicalName: string,
  physicalName: string | undefined,
): string {
  return physicalName === undefined || physicalName === logicalName
    ? `${label} "${logicalName}"`
    : `${label} "${logicalName}" (${physicalName})`;
}

export function quoteList(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(", ");
}
