import * as pulumi from "@pulumi/pulumi";

import {
  allow,
  lambdaTrustPolicy,
  policyDocument,
  vpcNetworkInterfaceStatement,
  xrayWriteStatement,
} from "./iam";

describe("allow", () => {
  test("builds an exact statement", () => {
    expect(allow("ReadBars", ["dynamodb:Query", "dynamodb:GetItem"], "arn:aws:dynamodb:t")).toEqual(
      {
        Sid: "ReadBars",
        Effect: "Allow",
        Action: ["dynamodb:Query", "dynamodb:GetItem"],
        Resource: "arn:aws:dynamodb:t",
      },
    );
  });

  test("accepts a resource that is still an output", async () => {
    const statement = allow("SendToQueue", ["sqs:SendMessage"], pulumi.output("arn:aws:sqs:q"));
    expect(pulumi.Output.isInstance(statement.Resource)).toBe(true);
    await expect(
      new Promise((resolve) => pulumi.output(statement.Resource).apply(resolve)),
    ).resolves.toBe("arn:aws:sqs:q");
  });

  test.each([
    [
      "Read-Stream",
      ["kinesis:GetRecords"],
      "arn:aws:kinesis:s",
      'IAM statement id "Read-Stream" is invalid: use only letters and digits, e.g. "ReadStream".',
    ],
    [
      "Nothing",
      [],
      "arn:aws:kinesis:s",
      "IAM statement Nothing has no actions: list the exact actions the code calls.",
    ],
    [
      "Wild",
      ["s3:*", "s3:Get*", "s3:PutObject", "*"],
      "arn:aws:s3:::b/raw/*",
      'IAM statement Wild has "s3:*", "s3:Get*", "*": name each action exactly as "service:Action", without wildcards.',
    ],
    [
      "NoService",
      ["PutObject"],
      "arn:aws:s3:::b/raw/*",
      'IAM statement NoService has "PutObject": name each action exactly as "service:Action", without wildcards.',
    ],
    [
      "Twice",
      ["sqs:SendMessage", "sqs:SendMessage"],
      "arn:aws:sqs:q",
      'IAM statement Twice lists "sqs:SendMessage" more than once: list each action once.',
    ],
    [
      "Everything",
      ["dynamodb:GetItem", "dynamodb:Query"],
      "*",
      'IAM statement Everything grants dynamodb:GetItem, dynamodb:Query on "*": name the resource\'s ARN instead.',
    ],
  ])("rejects %s", (sid, actions, resource, message) => {
    expect(() => allow(sid, actions, resource)).toThrow(new Error(message));
  });
});

test("the two documented wildcard-resource statements", () => {
  expect(vpcNetworkInterfaceStatement()).toEqual({
    Sid: "ManageVpcNetworkInterfaces",
    Effect: "Allow",
    Action: [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ],
    Resource: "*",
  });
  expect(xrayWriteStatement()).toEqual({
    Sid: "WriteTraces",
    Effect: "Allow",
    Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    Resource: "*",
  });
});

test("trust policy: Lambda, this account only", () => {
  expect(lambdaTrustPolicy("210987654321")).toEqual({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "LambdaAssumesRoleForThisAccount",
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "210987654321" } },
      },
    ],
  });
});

describe("policyDocument", () => {
  test("wraps unique statements", () => {
    const a = allow("A", ["sqs:SendMessage"], "arn:aws:sqs:a");
    const b = allow("B", ["sqs:SendMessage"], "arn:aws:sqs:b");
    expect(policyDocument([a, b])).toEqual({ Version: "2012-10-17", Statement: [a, b] });
  });

  test("rejects repeated statement ids", () => {
    const a = allow("Send", ["sqs:SendMessage"], "arn:aws:sqs:a");
    const b = allow("Send", ["sqs:SendMessage"], "arn:aws:sqs:b");
    const c = allow("Read", ["s3:GetObject"], "arn:aws:s3:::b/k");
    expect(() => policyDocument([a, c, b, a])).toThrow(
      new Error(
        "IAM statement ids must be unique within a policy; repeated: Send. Merge those statements or rename one.",
      ),
    );
  });
});
