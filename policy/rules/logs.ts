import * as aws from "@pulumi/aws";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";

import { resolveEnvironment, settingsFor } from "../context";
import { resourcePolicy, type ContextSource, type RuleMetadata } from "../define";
import { describeResource, tagsOf } from "../props";
import { perEnvironment } from "../settings-text";

export const LOG_RULES = {
  retentionSet: {
    name: "log-group-retention-set",
    summary: "Every CloudWatch log group has a retention period; none keeps logs forever.",
    ruleIds: ["CKV_AWS_66"],
    severity: "medium",
    remediation: "Set `retentionInDays` from `settings.logRetentionDays`.",
  },
  retentionPerEnvironment: {
    name: "log-retention-per-environment",
    summary: `Every CloudWatch log group keeps logs for its environment's retention in ENVIRONMENT_SETTINGS (${perEnvironment((settings) => `${settings.logRetentionDays} days`)}).`,
    ruleIds: [],
    related:
      "CKV_AWS_338 asks for at least one year; this platform keeps the documented per-environment retention instead",
    severity: "medium",
    remediation: "Set `retentionInDays` from `settings.logRetentionDays`.",
  },
} as const satisfies Record<string, RuleMetadata>;

export function logPolicies(context: ContextSource): ResourceValidationPolicy[] {
  return [
    resourcePolicy(
      LOG_RULES.retentionSet,
      validateResourceOfType(aws.cloudwatch.LogGroup, (group, args, report) => {
        if (group.retentionInDays === undefined || group.retentionInDays === 0) {
          report(
            `${describeResource("CloudWatch log group", args.name, group.name)} has no retention, so it keeps logs forever: set retentionInDays to the environment's logRetentionDays.`,
          );
        }
      }),
    ),
    resourcePolicy(
      LOG_RULES.retentionPerEnvironment,
      validateResourceOfType(aws.cloudwatch.LogGroup, (group, args, report) => {
        const environment = resolveEnvironment(context(), tagsOf(args.props));
        const retention = group.retentionInDays;
        if (environment === undefined || retention === undefined || retention === 0) {
          return;
        }
        const expected = settingsFor(environment).logRetentionDays;
        if (retention !== expected) {
          report(
            `${describeResource("CloudWatch log group", args.name, group.name)} keeps logs for ${retention} days; ${environment} keeps them for ${expected} (ENVIRONMENT_SETTINGS.${environment}.logRetentionDays): set retentionInDays: ${expected}.`,
          );
        }
      }),
    ),
  ];
}
