import {
  checkedName,
  reviewWorkloadBoundaryPolicyArn,
  reviewWorkloadBoundaryPolicyName,
  workloadBoundaryPolicyArn,
  workloadBoundaryPolicyName,
} from "./bootstrap-names";

describe("the workload boundary", () => {
  test.each([
    [
      "dev",
      "trading-analytics-dev-workload-boundary",
      "arn:aws:iam::123456789012:policy/trading-analytics-dev-workload-boundary",
    ],
    [
      "staging",
      "trading-analytics-staging-workload-boundary",
      "arn:aws:iam::123456789012:policy/trading-analytics-staging-workload-boundary",
    ],
    [
      "production",
      "trading-analytics-production-workload-boundary",
      "arn:aws:iam::123456789012:policy/trading-analytics-production-workload-boundary",
    ],
  ] as const)("%s: %s, %s", (env, name, arn) => {
    expect(workloadBoundaryPolicyName(env)).toBe(name);
    expect(workloadBoundaryPolicyArn(env, "123456789012")).toBe(arn);
  });

  test("review stacks have a boundary of their own", () => {
    expect(reviewWorkloadBoundaryPolicyName("dev")).toBe(
      "trading-analytics-dev-review-workload-boundary",
    );
    expect(reviewWorkloadBoundaryPolicyArn("dev", "123456789012")).toBe(
      "arn:aws:iam::123456789012:policy/trading-analytics-dev-review-workload-boundary",
    );
    expect(() => reviewWorkloadBoundaryPolicyArn("dev", "1")).toThrow('Account id "1"');
  });

  test.each(["12345678901", "1234567890123", "12345678901a", ""])(
    "rejects the account id %j with what to use instead",
    (accountId) => {
      expect(() => workloadBoundaryPolicyArn("dev", accountId)).toThrow(
        new Error(
          `Account id "${accountId}" is not an AWS account id: use the 12 digits that \`aws sts get-caller-identity --query Account --output text\` prints.`,
        ),
      );
    },
  );
});

describe("checkedName", () => {
  test("returns a name AWS accepts unchanged", () => {
    expect(checkedName("iam-role", "trading-analytics-dev-deploy")).toBe(
      "trading-analytics-dev-deploy",
    );
  });

  test.each([
    [
      "iam-policy",
      "trading analytics/boundary",
      'IAM policy name "trading analytics/boundary" contains " ", "/", which AWS does not allow: use only letters, digits and + = , . @ _ -.',
    ],
    [
      "iam-role",
      "r".repeat(65),
      `IAM role name "${"r".repeat(65)}" is 65 characters; AWS allows 1-64.`,
    ],
    ["s3-bucket", "ab", 'S3 bucket name "ab" is 2 characters; AWS allows 3-63.'],
  ] as const)("%s %j: %s", (kind, name, message) => {
    expect(() => checkedName(kind, name)).toThrow(new Error(message));
  });
});
