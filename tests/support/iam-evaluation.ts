/**
 * A small IAM policy evaluator for tests: does a policy document allow one action on one resource,
 * given the request's condition keys? It follows IAM's rules for what this repository's documents
 * use (exact or wildcard actions, case-insensitive; `*` and `?` in resource ARNs and in
 * `StringLike`/`ArnLike` values; `StringEqualsIfExists` holds when the key is absent; an explicit
 * Deny wins) and throws on anything else (`NotAction`, `NotResource`, other condition operators),
 * so a test can never pass by misreading a policy.
 */

export type ConditionBlock = Readonly<
  Record<string, Readonly<Record<string, string | readonly string[]>>>
>;

export interface EvaluatedStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

export interface EvaluatedDocument {
  readonly Statement: readonly EvaluatedStatement[];
}

/** One request: an action on a resource, with the condition keys the request carries. */
export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

const SUPPORTED_OPERATORS = [
  "StringEquals",
  "StringEqualsIfExists",
  "StringLike",
  "ArnEquals",
  "ArnLike",
] as const;

function list(value: string | readonly string[]): readonly string[] {
  return typeof value === "string" ? [value] : value;
}

/** IAM wildcards: `*` is any run of characters (`:` and `/` included, or none), `?` exactly one. */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = [...pattern]
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

function label(statement: EvaluatedStatement): string {
  return statement.Sid === undefined ? "a statement without Sid" : `statement ${statement.Sid}`;
}

function conditionHolds(statement: EvaluatedStatement, request: AuthorizationRequest): boolean {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    if (!(SUPPORTED_OPERATORS as readonly string[]).includes(operator)) {
      throw new Error(
        `Cannot evaluate the condition operator ${operator} of ${label(statement)}: only ${SUPPORTED_OPERATORS.join(", ")} are supported.`,
      );
    }
    for (const [key, expected] of Object.entries(keys)) {
      const actual = request.context?.[key];
      if (actual === undefined) {
        if (operator === "StringEqualsIfExists") {
          continue;
        }
        return false;
      }
      const values = list(expected);
      const holds =
        operator === "StringEquals" || operator === "StringEqualsIfExists"
          ? values.includes(actual)
          : values.some((pattern) => wildcardMatches(pattern, actual));
      if (!holds) {
        return false;
      }
    }
  }
  return true;
}

function applies(statement: EvaluatedStatement, request: AuthorizationRequest): boolean {
  if ("NotAction" in statement || "NotResource" in statement) {
    throw new Error(`Cannot evaluate NotAction or NotResource in ${label(statement)}.`);
  }
  if (statement.Action === undefined || statement.Resource === undefined) {
    throw new Error(`${label(statement)} has no Action or no Resource.`);
  }
  const actionMatches = list(statement.Action).some((pattern) =>
    wildcardMatches(pattern, request.action, true),
  );
  const resourceMatches = list(statement.Resource).some((pattern) =>
    wildcardMatches(pattern, request.resource),
  );
  return actionMatches && resourceMatches && conditionHolds(statement, request);
}

/** Whether the document allows the request: some Allow statement applies and no Deny does. */
export function allows(document: EvaluatedDocument, request: AuthorizationRequest): boolean {
  const applying = document.Statement.filter((statement) => applies(statement, request));
  return (
    applying.some((statement) => statement.Effect === "Allow") &&
    !applying.some((statement) => statement.Effect === "Deny")
  );
}

/** Every (action, resource) pair a document's Allow statements grant, for checking against another. */
export function grantedPairs(
  document: EvaluatedDocument,
): { readonly sid: string; readonly action: string; readonly resource: string }[] {
  return document.Statement.filter((statement) => statement.Effect === "Allow").flatMap(
    (statement) => {
      if (statement.Action === undefined || statement.Resource === undefined) {
        throw new Error(`${label(statement)} has no Action or no Resource.`);
      }
      const resources = list(statement.Resource);
      return list(statement.Action).flatMap((action) =>
        resources.map((resource) => ({ sid: statement.Sid ?? "", action, resource })),
      );
    },
  );
}
