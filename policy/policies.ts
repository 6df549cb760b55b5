import type { Policies } from "@pulumi/policy";

import { stackContextFromProcess, type StackContext } from "./context";
import type { ContextSource, RuleMetadata } from "./define";
import { DYNAMODB_RULES, dynamodbPolicies, dynamodbStackPolicies } from "./rules/dynamodb";
import { GOVERNANCE_RULES, governancePolicies } from "./rules/governance";
import { IAM_RULES, iamPolicies } from "./rules/iam";
import { LAMBDA_RULES, lambdaPolicies, lambdaStackPolicies } from "./rules/lambda";
import { LOG_RULES, logPolicies } from "./rules/logs";
import { S3_RULES, s3StackPolicies } from "./rules/s3";
import { STREAMING_RULES, streamingPolicies } from "./rules/streaming";

/** Every rule, in the order the pack lists them. */
export const RULES: readonly RuleMetadata[] = [
  ...Object.values(GOVERNANCE_RULES),
  ...Object.values(IAM_RULES),
  ...Object.values(LAMBDA_RULES),
  ...Object.values(DYNAMODB_RULES),
  ...Object.values(S3_RULES),
  ...Object.values(STREAMING_RULES),
  ...Object.values(LOG_RULES),
];

/** The context the Pulumi CLI gave this process, read on first use and kept: it cannot change. */
function processContext(): ContextSource {
  let context: StackContext | undefined;
  return () => (context ??= stackContextFromProcess());
}

/**
 * The pack's policies, all mandatory. `context` tells the environment-dependent rules which stack
 * they run against; the pack passes the Pulumi CLI's process context, the offline harness its own.
 * Creating policies starts nothing: only `new PolicyPack` (in index.ts) serves them.
 */
export function buildPolicies(context: ContextSource = processContext()): Policies {
  const policies: Policies = [
    ...governancePolicies(context),
    ...iamPolicies(),
    ...lambdaPolicies(context),
    ...lambdaStackPolicies(),
    ...dynamodbPolicies(context),
    ...dynamodbStackPolicies(context),
    ...s3StackPolicies(context),
    ...streamingPolicies(context),
    ...logPolicies(context),
  ];
  const order = new Map(RULES.map((rule, index) => [rule.name, index]));
  return policies.sort(
    (left, right) => (order.get(left.name) ?? Infinity) - (order.get(right.name) ?? Infinity),
  );
}

/** The policy list as a markdown table: policy, what it enforces, matching public rule ids. */
export function rulesMarkdownTable(rules: readonly RuleMetadata[] = RULES): string {
  const escape = (text: string): string => text.replace(/\|/g, "\\|");
  const rows = rules.map((rule) => {
    const ids = rule.ruleIds.length > 0 ? rule.ruleIds.map((id) => `\`${id}\``).join(", ") : "-";
    const related = rule.related === undefined ? "" : ` (related: ${rule.related})`;
    return `| \`${rule.name}\` | ${escape(rule.summary)} | ${ids}${escape(related)} |`;
  });
  return ["| Policy | Enforces | Public rule ids |", "|---|---|---|", ...rows].join("\n");
}
