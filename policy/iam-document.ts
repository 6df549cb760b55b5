import { asArray, asRecord, asString, asStringList, quoteList } from "./props";

/**
 * The only actions allowed on `Resource: "*"`. Lambda's VPC network-interface actions: the
 * interfaces have no ARN until Lambda creates them and `DescribeNetworkInterfaces` has no
 * resource-level permissions. X-Ray's segment upload actions define no resource types, and neither
 * does `logs:DescribeLogGroups`, which AWS's flow-log role documentation lists. (The pipeline
 * roles' policies are the bootstrap's, which this pack does not evaluate; a test checks every
 * action there against AWS's Service Authorization Reference instead.)
 */
export const STAR_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "logs:DescribeLogGroups",
]);

export interface Statement {
  /** `statement "ReadStream"` or `statement 2` (1-based) when it has no Sid. */
  readonly label: string;
  readonly effect: string | undefined;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly hasNotAction: boolean;
  readonly hasNotResource: boolean;
  readonly principal: unknown;
  readonly condition: ReturnType<typeof asRecord>;
}

export type ParsedDocument =
  | { readonly ok: true; readonly statements: readonly Statement[] }
  | { readonly ok: false; readonly error: string };

/** Accepts a policy document as JSON text or as an object, as Pulumi programs pass either. */
export function parsePolicyDocument(value: unknown): ParsedDocument {
  let document: unknown = value;
  if (typeof value === "string") {
    try {
      document = JSON.parse(value);
    } catch (error) {
      return { ok: false, error: `is not valid JSON (${(error as Error).message})` };
    }
  }
  const record = asRecord(document);
  if (record === undefined) {
    return { ok: false, error: "is missing or not a JSON object" };
  }
  const rawStatements = Array.isArray(record.Statement)
    ? record.Statement
    : record.Statement === undefined
      ? []
      : [record.Statement];
  if (rawStatements.length === 0) {
    return { ok: false, error: "has no Statement" };
  }
  const statements: Statement[] = [];
  for (const [index, raw] of rawStatements.entries()) {
    const statement = asRecord(raw);
    if (statement === undefined) {
      return { ok: false, error: `has a Statement entry ${index + 1} that is not an object` };
    }
    const sid = asString(statement.Sid);
    statements.push({
      label: sid === undefined || sid === "" ? `statement ${index + 1}` : `statement "${sid}"`,
      effect: asString(statement.Effect),
      actions: asStringList(statement.Action),
      resources: asStringList(statement.Resource),
      hasNotAction: statement.NotAction !== undefined,
      hasNotResource: statement.NotResource !== undefined,
      principal: statement.Principal,
      condition: asRecord(statement.Condition),
    });
  }
  return { ok: true, statements };
}

function isAllow(statement: Statement): boolean {
  return statement.effect === "Allow";
}

function hasWildcard(text: string): boolean {
  return text.includes("*") || text.includes("?");
}

/** Wildcard and `NotAction` grants in the Allow statements (Deny statements may be broad). */
export function wildcardActionFindings(statements: readonly Statement[]): string[] {
  const findings: string[] = [];
  for (const statement of statements.filter(isAllow)) {
    if (statement.hasNotAction) {
      findings.push(`${statement.label} allows NotAction, which grants every other action`);
    }
    const wildcards = statement.actions.filter(hasWildcard);
    if (wildcards.length > 0) {
      findings.push(
        `${statement.label} allows wildcard action${wildcards.length === 1 ? "" : "s"} ${quoteList(wildcards)}`,
      );
    }
  }
  return findings;
}

/**
 * Whether an ARN names something specific. Wildcards are allowed only after a concrete resource
 * name (`bucket/*`, `log-group:/aws/lambda/x:*`, `table/x/index/*`); not in the partition, service,
 * region or account, and not in place of the name (`table/*`, `function:*`, `arn:aws:s3:::*`).
 */
export function broadArnReason(arn: string): string | undefined {
  if (!arn.startsWith("arn:")) {
    return hasWildcard(arn) ? "is a wildcard, not an ARN" : undefined;
  }
  const parts = arn.split(":");
  if (parts.length < 6) {
    return hasWildcard(arn) ? "is not a well-formed ARN" : undefined;
  }
  const [, partition, service, region, account] = parts;
  const scope = { partition, service, region, account };
  const wildScope = Object.entries(scope)
    .filter(([, value]) => value !== undefined && hasWildcard(value))
    .map(([key]) => key);
  if (wildScope.length > 0) {
    return `has a wildcard in its ${wildScope.join(" and ")}`;
  }
  const resource = parts.slice(5).join(":");
  if (resource === "" || /^[*?]/.test(resource)) {
    return "matches every resource of the service";
  }
  if (service !== "s3" && /^[^/:]+[/:][*?]/.test(resource)) {
    return "matches every resource of its type";
  }
  return undefined;
}

/** `Resource: "*"` outside the documented exceptions, `NotResource`, and overly broad ARNs. */
export function wildcardResourceFindings(statements: readonly Statement[]): string[] {
  const findings: string[] = [];
  for (const statement of statements.filter(isAllow)) {
    if (statement.hasNotResource) {
      findings.push(`${statement.label} allows NotResource, which grants every other resource`);
    }
    for (const resource of statement.resources) {
      if (resource === "*") {
        const others = statement.actions.filter((action) => !STAR_RESOURCE_ACTIONS.has(action));
        if (others.length > 0 || statement.hasNotAction) {
          const what = statement.hasNotAction ? "NotAction" : quoteList(others);
          findings.push(`${statement.label} allows ${what} on Resource "*"`);
        }
        continue;
      }
      const reason = broadArnReason(resource);
      if (reason !== undefined) {
        findings.push(`${statement.label} allows resource "${resource}", which ${reason}`);
      }
    }
  }
  return findings;
}

/** The `Condition` values of one operator and key, as strings (IAM accepts a string, boolean or list). */
export function conditionValues(statement: Statement, operator: string, key: string): string[] {
  const block = asRecord(statement.condition?.[operator]);
  const value = block?.[key];
  return (Array.isArray(value) ? asArray(value) : [value])
    .filter((item): item is string | boolean | number =>
      ["string", "boolean", "number"].includes(typeof item),
    )
    .map((item) => String(item));
}

/** Whether the principal is everyone: `"*"` or `{ AWS: "*" }`. */
export function isEveryone(principal: unknown): boolean {
  if (principal === "*") {
    return true;
  }
  return asStringList(asRecord(principal)?.AWS).includes("*");
}
