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

/** The resource's tags: `tagsAll` (provider default tags included) overlaid with its own `tags`. */
export function tagsOf(props: Props): Readonly<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const source of [asRecord(props.tagsAll), asRecord(props.tags)]) {
    for (const [key, value] of Object.entries(source ?? {})) {
      if (typeof value === "string") {
        tags[key] = value;
      }
    }
  }
  return tags;
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
