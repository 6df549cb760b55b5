import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

import { resourcePolicy, type RuleMetadata } from "../define";
import {
  parsePolicyDocument,
  STAR_RESOURCE_ACTIONS,
  wildcardActionFindings,
  wildcardResourceFindings,
  type Statement,
} from "../iam-document";
import { asArray, asRecord, asString, describeResource, type Props } from "../props";
import { labelOf, TYPES } from "../resource-types";

export const IAM_RULES = {
  noWildcardActions: {
    name: "iam-no-wildcard-actions",
    summary:
      "Allow statements of IAM policies and of bucket, queue and topic policies name every action exactly: no wildcard (`*`, `s3:Get*`) and no NotAction. (Deny statements may be broad.)",
    ruleIds: ["CKV_AWS_63", "AwsSolutions-IAM5"],
    severity: "critical",
    remediation:
      "List the exact actions the code calls, e.g. `dynamodb:BatchGetItem`, `dynamodb:PutItem`.",
  },
  noWildcardResources: {
    name: "iam-no-wildcard-resources",
    summary: `Allow statements of IAM policies and of bucket, queue and topic policies name their resources exactly: no NotResource, no ARN that matches every resource of a service or type, and Resource "*" only for the actions AWS offers on nothing else (${[...STAR_RESOURCE_ACTIONS].join(", ")}).`,
    ruleIds: ["CKV_AWS_355", "CKV_AWS_290", "AwsSolutions-IAM5"],
    severity: "critical",
    remediation:
      'Use the ARN of the one table, stream, queue, log group or bucket prefix the statement is for; keep the VPC network-interface, X-Ray and log-group lookup actions in their own statements on "*".',
  },
} as const satisfies Record<string, RuleMetadata>;

interface PolicyDocumentSource {
  /** `IAM role policy "x" (name)`, or `IAM role "x" (name) inline policy "p"`. */
  readonly label: string;
  readonly value: unknown;
  /** Trust policies grant `sts:AssumeRole` to a principal and have no Resource. */
  readonly trust: boolean;
}

const DOCUMENT_TYPES: ReadonlySet<string> = new Set([
  TYPES.rolePolicy,
  TYPES.iamPolicy,
  TYPES.userPolicy,
  TYPES.groupPolicy,
  TYPES.bucketPolicy,
  TYPES.queuePolicy,
  TYPES.topicPolicy,
]);

/** The policy documents a resource carries, or undefined when it carries none. */
function documentsOf(args: ResourceValidationArgs): PolicyDocumentSource[] | undefined {
  const props = args.props as Props;
  const label = describeResource(labelOf(args.type), args.name, asString(props.name));
  if (DOCUMENT_TYPES.has(args.type)) {
    return [{ label, value: props.policy, trust: false }];
  }
  if (args.type === TYPES.role) {
    const inline = asArray(props.inlinePolicies).map((raw, index) => {
      const policy = asRecord(raw) ?? {};
      const name = asString(policy.name) ?? `${index + 1}`;
      return { label: `${label} inline policy "${name}"`, value: policy.policy, trust: false };
    });
    return [
      { label: `${label} trust policy`, value: props.assumeRolePolicy, trust: true },
      ...inline,
    ];
  }
  return undefined;
}

function validateDocuments(
  args: ResourceValidationArgs,
  report: (message: string) => void,
  check: (statements: readonly Statement[], source: PolicyDocumentSource) => string[],
  reportInvalid: boolean,
): void {
  const sources = documentsOf(args);
  if (sources === undefined) {
    args.notApplicable(
      "Only IAM roles and IAM, bucket, queue and topic policies carry policy documents",
    );
  }
  for (const source of sources) {
    const parsed = parsePolicyDocument(source.value);
    if (!parsed.ok) {
      if (reportInvalid) {
        report(
          `${source.label} ${parsed.error}, so its permissions cannot be checked: pass a policy document object or its JSON text.`,
        );
      }
      continue;
    }
    for (const finding of check(parsed.statements, source)) {
      report(`${source.label}: ${finding}.`);
    }
  }
}

export function iamPolicies(): ResourceValidationPolicy[] {
  return [
    resourcePolicy(IAM_RULES.noWildcardActions, (args, report) => {
      validateDocuments(
        args,
        report,
        (statements) =>
          wildcardActionFindings(statements).map(
            (finding) => `${finding}: list the exact actions instead`,
          ),
        true,
      );
    }),
    resourcePolicy(IAM_RULES.noWildcardResources, (args, report) => {
      validateDocuments(
        args,
        report,
        (statements, source) =>
          source.trust
            ? []
            : wildcardResourceFindings(statements).map(
                (finding) => `${finding}: name the exact resource ARN`,
              ),
        false,
      );
    }),
  ];
}
