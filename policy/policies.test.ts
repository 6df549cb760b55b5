import * as fs from "node:fs";
import * as path from "node:path";

import { acceptsInput, acceptsTags, physicalNameInput } from "../tests/support/provider-schema";
import { evaluatePolicyReport } from "./offline";
import { buildPolicies, RULES, rulesMarkdownTable } from "./policies";
import { NAMED_TYPES, TAGGABLE_TYPES, TYPES } from "./resource-types";
import { compliantStack } from "../tests/support/policy/compliant-stack";

/**
 * Public rule ids this pack cites, each checked against the rule's published definition: checkov
 * (bridgecrewio/checkov) and cdk-nag (cdklabs/cdk-nag, AwsSolutions pack).
 */
const VERIFIED_RULE_IDS: ReadonlySet<string> = new Set([
  "CKV_AWS_19", // S3 bucket encrypted at rest
  "CKV_AWS_27", // SQS queue encrypted
  "CKV_AWS_28", // DynamoDB point-in-time recovery
  "CKV_AWS_43", // Kinesis stream encrypted
  "CKV_AWS_50", // Lambda X-Ray tracing
  "CKV_AWS_53", // S3 block_public_acls
  "CKV_AWS_54", // S3 block_public_policy
  "CKV_AWS_55", // S3 ignore_public_acls
  "CKV_AWS_56", // S3 restrict_public_buckets
  "CKV_AWS_63", // no "*" as a statement's actions
  "CKV_AWS_66", // log group specifies retention days
  "CKV_AWS_115", // Lambda function-level concurrency limit
  "CKV_AWS_117", // Lambda inside a VPC
  "CKV_AWS_258", // Lambda function URL AuthType is not NONE
  "CKV_AWS_290", // no write access without constraints
  "CKV_AWS_355", // no "*" as a statement's resource for restrictable actions
  "CKV_AWS_363", // Lambda runtime not deprecated
  "CKV2_AWS_6", // S3 bucket has a public access block
  "CKV2_AWS_61", // S3 bucket has a lifecycle configuration
  "CKV2_AWS_65", // S3 bucket ACLs disabled
  "AwsSolutions-DDB3", // DynamoDB point-in-time recovery
  "AwsSolutions-IAM5", // wildcard permissions
  "AwsSolutions-KDS1", // Kinesis stream server-side encryption
  "AwsSolutions-L1", // latest Lambda runtime
  "AwsSolutions-S2", // S3 public access restricted and blocked
  "AwsSolutions-S10", // S3 requires SSL
  "AwsSolutions-SQS2", // SQS server-side encryption
]);

describe("the pack", () => {
  const policies = buildPolicies(() => ({ stack: "dev", config: {} }));

  it("has one mandatory policy per rule, in rule order, with unique names", () => {
    expect(policies.map((policy) => policy.name)).toEqual(RULES.map((rule) => rule.name));
    expect(new Set(policies.map((policy) => policy.name)).size).toBe(policies.length);
    expect(policies.length).toBe(32);
    for (const policy of policies) {
      expect(policy.enforcementLevel).toBe("mandatory");
      expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it("cites only verified public rule ids, each in its policy's description", () => {
    for (const rule of RULES) {
      const policy = policies.find((candidate) => candidate.name === rule.name);
      for (const id of rule.ruleIds) {
        expect(VERIFIED_RULE_IDS.has(id)).toBe(true);
        expect(policy?.description).toContain(id);
      }
      expect(policy?.description.startsWith(rule.summary)).toBe(true);
      expect(policy?.remediationSteps).toBe(rule.remediation);
    }
    const cited = new Set(RULES.flatMap((rule) => rule.ruleIds));
    expect([...VERIFIED_RULE_IDS].filter((id) => !cited.has(id))).toEqual([]);
  });

  it("applies every policy to the compliant stack of some environment", () => {
    const applied = new Set<string>();
    for (const environment of ["dev", "staging", "production"] as const) {
      const report = evaluatePolicyReport(compliantStack(environment), { stack: environment });
      expect(report.violations).toEqual([]);
      for (const outcome of report.policies) {
        if (outcome.appliedTo > 0) {
          applied.add(outcome.policyName);
        }
      }
    }
    expect(RULES.map((rule) => rule.name).filter((name) => !applied.has(name))).toEqual([]);
  });

  it("renders the policy table for the README", () => {
    const lines = rulesMarkdownTable().split("\n");
    expect(lines.slice(0, 2)).toEqual(["| Policy | Enforces | Public rule ids |", "|---|---|---|"]);
    expect(lines).toHaveLength(RULES.length + 2);
    expect(lines).toContain(
      "| `lambda-in-vpc` | Every Lambda function runs in the environment's private subnets with a security group, reaching DynamoDB and S3 through the VPC endpoints. | `CKV_AWS_117` |",
    );
    expect(lines).toContain(
      "| `log-retention-per-environment` | Every CloudWatch log group keeps logs for its environment's retention in ENVIRONMENT_SETTINGS (dev 7 days, staging 30 days, production 90 days). | - (related: CKV_AWS_338 asks for at least one year; this platform keeps the documented per-environment retention instead) |",
    );
  });
});

describe("policy/README.md", () => {
  it("lists every policy exactly as the pack describes it", () => {
    const rows = (markdown: string): string[][] =>
      markdown
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .map((line) =>
          line
            .split(/(?<!\\)\|/)
            .map((cell) => cell.trim())
            .filter((cell) => cell !== ""),
        );
    const readme = fs.readFileSync(path.join(__dirname, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Policies"), readme.indexOf("\n## Files"));
    expect(rows(section)).toEqual(rows(rulesMarkdownTable()));
    expect(rows(section)).toHaveLength(RULES.length);
  });
});

describe("resource type tables", () => {
  it("lists only types whose SDK accepts tags", () => {
    expect([...TAGGABLE_TYPES].filter((type) => !acceptsTags(type))).toEqual([]);
  });

  it("lists every taggable type of the reference stack", () => {
    const types = new Set(
      ["dev", "staging", "production"].flatMap((environment) =>
        compliantStack(environment as "dev").map((resource) => resource.type),
      ),
    );
    expect([...types].filter((type) => acceptsTags(type) && !TAGGABLE_TYPES.has(type))).toEqual([]);
  });

  it("reads each physical name from the input the SDK defines for it", () => {
    // A dashboard has no `name` input: the SDK calls it `dashboardName`.
    const ownNameInputs: Readonly<Record<string, string>> = { [TYPES.dashboard]: "dashboardName" };
    expect(
      Object.entries(NAMED_TYPES)
        .filter(
          ([type, named]) =>
            (ownNameInputs[type] ?? physicalNameInput(type)) !== named.field ||
            !acceptsInput(type, named.field),
        )
        .map(([type]) => type),
    ).toEqual([]);
  });
});
