import { findings } from "../../tests/support/policy/check";
import { compliantStack, withResource } from "../../tests/support/policy/compliant-stack";

const POLICY_LABEL =
  'IAM role policy "market-processor-policy" (dev-market-processor-us-east-1-a1)';

/** The compliant stack with extra statements appended to the processor's role policy. */
function withStatements(...statements: Record<string, unknown>[]) {
  return withResource(compliantStack("dev"), "market-processor-policy", (inputs) => {
    const document = inputs.policy as { Statement: unknown[] };
    return {
      ...inputs,
      policy: { ...document, Statement: [...document.Statement, ...statements] },
    };
  });
}

describe("iam-no-wildcard-actions", () => {
  it("reports wildcard actions and NotAction in Allow statements", () => {
    const resources = withStatements(
      {
        Sid: "AllTable",
        Effect: "Allow",
        Action: ["dynamodb:*", "dynamodb:Get?tem"],
        Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/x",
      },
      { Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::bucket" },
    );
    expect(findings("dev", resources)).toEqual([
      [
        "iam-no-wildcard-actions",
        "market-processor-policy",
        `${POLICY_LABEL}: statement "AllTable" allows wildcard actions "dynamodb:*", "dynamodb:Get?tem": list the exact actions instead.`,
      ],
      [
        "iam-no-wildcard-actions",
        "market-processor-policy",
        `${POLICY_LABEL}: statement 8 allows NotAction, which grants every other action: list the exact actions instead.`,
      ],
    ]);
  });

  it("accepts broad Deny statements", () => {
    const resources = withStatements({
      Sid: "NeverDeleteTables",
      Effect: "Deny",
      Action: "dynamodb:*",
      NotResource: "arn:aws:dynamodb:us-east-1:123456789012:table/x",
    });
    expect(findings("dev", resources)).toEqual([]);
  });

  it("checks trust policies, inline role policies and queue policies given as JSON text", () => {
    let resources = withResource(compliantStack("dev"), "market-processor-role", (inputs) => ({
      ...inputs,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:*",
        },
      }),
      inlinePolicies: [
        {
          name: "extra",
          policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
          }),
        },
      ],
    }));
    resources = [
      ...resources,
      {
        type: "aws:sqs/queuePolicy:QueuePolicy",
        name: "dlq-policy",
        inputs: {
          queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
          policy: JSON.stringify({
            Statement: [
              {
                Sid: "Anyone",
                Effect: "Allow",
                Principal: "*",
                Action: "sqs:*",
                Resource: "arn:aws:sqs:us-east-1:123456789012:q",
              },
            ],
          }),
        },
      },
    ];
    const label = 'IAM role "market-processor-role" (dev-market-processor-us-east-1-a1)';
    expect(findings("dev", resources)).toEqual([
      [
        "iam-no-wildcard-actions",
        "market-processor-role",
        `${label} trust policy: statement 1 allows wildcard action "sts:*": list the exact actions instead.`,
      ],
      [
        "iam-no-wildcard-actions",
        "market-processor-role",
        `${label} inline policy "extra": statement 1 allows wildcard action "*": list the exact actions instead.`,
      ],
      [
        "iam-no-wildcard-resources",
        "market-processor-role",
        `${label} inline policy "extra": statement 1 allows "*" on Resource "*": name the exact resource ARN.`,
      ],
      [
        "iam-no-wildcard-actions",
        "dlq-policy",
        'SQS queue policy "dlq-policy": statement "Anyone" allows wildcard action "sqs:*": list the exact actions instead.',
      ],
    ]);
  });

  it("reports a document it cannot read", () => {
    const resources = withResource(compliantStack("dev"), "market-processor-policy", (inputs) => ({
      ...inputs,
      policy: '{"Statement": [',
    }));
    const [finding, ...rest] = findings("dev", resources);
    expect(rest).toEqual([]);
    expect(finding?.[0]).toBe("iam-no-wildcard-actions");
    expect(finding?.[2]).toMatch(
      /^IAM role policy "market-processor-policy" \(dev-market-processor-us-east-1-a1\) is not valid JSON \(.+\), so its permissions cannot be checked: pass a policy document object or its JSON text\.$/,
    );
  });

  it("reports a document without statements", () => {
    const resources = withResource(compliantStack("dev"), "market-processor-policy", (inputs) => ({
      ...inputs,
      policy: { Version: "2012-10-17", Statement: [] },
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "iam-no-wildcard-actions",
        "market-processor-policy",
        `${POLICY_LABEL} has no Statement, so its permissions cannot be checked: pass a policy document object or its JSON text.`,
      ],
    ]);
  });
});

describe("iam-no-wildcard-resources", () => {
  it('allows only the VPC network-interface and X-Ray actions on Resource "*"', () => {
    const resources = withStatements(
      { Sid: "WriteAnyTable", Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: "*" },
      {
        Sid: "NetworkAndMore",
        Effect: "Allow",
        Action: ["ec2:CreateNetworkInterface", "ec2:DescribeInstances"],
        Resource: ["*"],
      },
    );
    expect(findings("dev", resources)).toEqual([
      [
        "iam-no-wildcard-resources",
        "market-processor-policy",
        `${POLICY_LABEL}: statement "WriteAnyTable" allows "dynamodb:PutItem" on Resource "*": name the exact resource ARN.`,
      ],
      [
        "iam-no-wildcard-resources",
        "market-processor-policy",
        `${POLICY_LABEL}: statement "NetworkAndMore" allows "ec2:DescribeInstances" on Resource "*": name the exact resource ARN.`,
      ],
    ]);
  });

  it("reports ARNs that match a whole service or type, and NotResource", () => {
    const resources = withStatements(
      {
        Sid: "Broad",
        Effect: "Allow",
        Action: ["dynamodb:GetItem"],
        Resource: [
          "arn:aws:dynamodb:*:123456789012:table/bars",
          "arn:aws:dynamodb:us-east-1:123456789012:table/*",
          "arn:aws:s3:::*",
          "arn:aws:s3:::bucket/raw/*",
          "arn:aws:dynamodb:us-east-1:123456789012:table/bars/index/*",
        ],
      },
      {
        Sid: "Inverted",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        NotResource: "arn:aws:sqs:us-east-1:123456789012:q",
      },
    );
    expect(findings("dev", resources)).toEqual([
      [
        "iam-no-wildcard-resources",
        "market-processor-policy",
        `${POLICY_LABEL}: statement "Broad" allows resource "arn:aws:dynamodb:*:123456789012:table/bars", which has a wildcard in its region: name the exact resource ARN.`,
      ],
      [
        "iam-no-wildcard-resources",
        "market-processor-policy",
        `${POLICY_LABEL}: statement "Broad" allows resource "arn:aws:dynamodb:us-east-1:123456789012:table/*", which matches every resource of its type: name the exact resource ARN.`,
      ],
      [
        "iam-no-wildcard-resources",
        "market-processor-policy",
        `${POLICY_LABEL}: statement "Broad" allows resource "arn:aws:s3:::*", which matches every resource of the service: name the exact resource ARN.`,
      ],
      [
        "iam-no-wildcard-resources",
        "market-processor-policy",
        `${POLICY_LABEL}: statement "Inverted" allows NotResource, which grants every other resource: name the exact resource ARN.`,
      ],
    ]);
  });
});
