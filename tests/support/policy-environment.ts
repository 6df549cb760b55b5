import { ENVIRONMENT_SETTINGS, type EnvironmentName } from "../../modules/config/settings";
import { evaluatePolicyReport, type PolicyReport } from "../../policy/offline";
import { RULES } from "../../policy/policies";
import { TAGGABLE_TYPES, TYPES } from "../../policy/resource-types";
import type { RecordedResource } from "../../scripts/plan/mock-runtime";
import {
  environmentProject,
  readStackConfig,
  runEnvironmentProgram,
} from "../../scripts/plan/mock-runtime-environments";
import { acceptsTags } from "./provider-schema";

/**
 * The whole-environment policy test: runs `environments/<env>/index.ts` under the mock runtime,
 * as `pulumi up` would on stack `<env>`, and evaluates the policy pack on what it registered.
 * One environment per test file, since one process runs one Pulumi stack.
 */
export function describePolicyEnvironment(environment: EnvironmentName): void {
  describe(`policy pack on the ${environment} environment`, () => {
    let resources: RecordedResource[] = [];
    let report: PolicyReport;
    const evaluate = (candidates: readonly RecordedResource[]): PolicyReport =>
      evaluatePolicyReport(candidates, {
        stack: environment,
        project: environmentProject(environment),
        config: readStackConfig(environment),
      });

    beforeAll(async () => {
      ({ resources } = await runEnvironmentProgram(environment));
      report = evaluate(resources);
    });

    it("passes with zero violations", () => {
      expect(report.violations).toEqual([]);
    });

    it("applies every rule the platform promises for the environment", () => {
      const provisioned = ENVIRONMENT_SETTINGS[environment].table.capacity.mode === "provisioned";
      const expected = RULES.map((rule) => rule.name).filter(
        (name) => provisioned || name !== "dynamodb-provisioned-autoscaling",
      );
      const applied = report.policies
        .filter((outcome) => outcome.appliedTo > 0)
        .map((outcome) => outcome.policyName);
      expect(expected.filter((name) => !applied.includes(name))).toEqual([]);
    });

    it("knows every taggable resource type the program creates", () => {
      const types = [...new Set(resources.map((resource) => resource.type))];
      expect(types.filter((type) => acceptsTags(type) && !TAGGABLE_TYPES.has(type))).toEqual([]);
    });

    it("catches defects injected into the recorded resources", () => {
      const find = (type: string): RecordedResource => {
        const found = resources.find((resource) => resource.type === type);
        if (found === undefined) {
          throw new Error(`The ${environment} program registered no ${type}.`);
        }
        return found;
      };
      const table = find(TYPES.table);
      const block = find(TYPES.bucketPublicAccessBlock);
      const bucket = find(TYPES.bucket);
      const defective = resources
        .filter((resource) => resource !== block)
        .map((resource) =>
          resource === table
            ? { ...resource, options: { ...resource.options, retainOnDelete: true } }
            : resource,
        );
      const tableName = `${environment}-market-analytics-us-east-1-a1`;
      const bucketName = `${environment}-market-archive-us-east-1-a1`;
      expect(
        evaluate(defective).violations.map((violation) => [
          violation.policyName,
          violation.name,
          violation.message,
        ]),
      ).toEqual([
        [
          "resources-not-protected",
          table.name,
          `DynamoDB table "${table.name}" (${tableName}) has retainOnDelete: true, so pulumi destroy would leave it behind: remove the retainOnDelete option.`,
        ],
        [
          "s3-public-access-blocked",
          bucket.name,
          `S3 bucket "${bucket.name}" (${bucketName}) has no public access block: add an s3.BucketPublicAccessBlock with all four settings true.`,
        ],
      ]);
    });
  });
}
