import {
  broadArnReason,
  conditionValues,
  isEveryone,
  parsePolicyDocument,
  wildcardActionFindings,
  wildcardResourceFindings,
} from "./iam-document";

describe("parsePolicyDocument", () => {
  it("reads JSON text and objects, one statement or a list", () => {
    const statement = {
      Sid: "A",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: ["arn:aws:s3:::b/*"],
    };
    const fromText = parsePolicyDocument(JSON.stringify({ Statement: statement }));
    const fromObject = parsePolicyDocument({ Statement: [statement] });
    for (const parsed of [fromText, fromObject]) {
      expect(parsed).toEqual({
        ok: true,
        statements: [
          {
            label: 'statement "A"',
            effect: "Allow",
            actions: ["s3:GetObject"],
            resources: ["arn:aws:s3:::b/*"],
            hasNotAction: false,
            hasNotResource: false,
            principal: undefined,
            condition: undefined,
          },
        ],
      });
    }
  });

  it.each([
    [undefined, "is missing or not a JSON object"],
    ["[1]", "is missing or not a JSON object"],
    [{}, "has no Statement"],
    [{ Statement: [] }, "has no Statement"],
    [{ Statement: ["text"] }, "has a Statement entry 1 that is not an object"],
  ])("rejects %j: %s", (value, error) => {
    expect(parsePolicyDocument(value)).toEqual({ ok: false, error });
  });
});

describe("findings", () => {
  const parse = (statements: unknown[]) => {
    const parsed = parsePolicyDocument({ Statement: statements });
    if (!parsed.ok) {
      throw new Error(parsed.error);
    }
    return parsed.statements;
  };

  it("flags Allow wildcards only", () => {
    expect(
      wildcardActionFindings(
        parse([
          { Effect: "Allow", Action: ["s3:GetObject", "s3:List*"] },
          { Effect: "Deny", Action: "*", NotAction: "s3:GetObject" },
        ]),
      ),
    ).toEqual(['statement 1 allows wildcard action "s3:List*"']);
  });

  it("allows the documented actions on * even split across statements", () => {
    expect(
      wildcardResourceFindings(
        parse([
          {
            Effect: "Allow",
            Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            Resource: "*",
          },
          { Effect: "Allow", Action: "ec2:DescribeNetworkInterfaces", Resource: "*" },
          { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
        ]),
      ),
    ).toEqual(['statement 3 allows NotAction on Resource "*"']);
  });

  it.each([
    ["arn:aws:dynamodb:us-east-1:123456789012:table/bars", undefined],
    ["arn:aws:dynamodb:us-east-1:123456789012:table/bars/index/*", undefined],
    ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*", undefined],
    ["arn:aws:s3:::bucket/raw/*", undefined],
    ["arn:aws:s3:::bucket", undefined],
    ["arn:aws:*:us-east-1:123456789012:table/x", "has a wildcard in its service"],
    ["arn:*:dynamodb:us-east-1:*:table/x", "has a wildcard in its partition and account"],
    ["arn:aws:lambda:us-east-1:123456789012:function:*", "matches every resource of its type"],
    ["arn:aws:kinesis:us-east-1:123456789012:stream/*", "matches every resource of its type"],
    ["arn:aws:sqs:us-east-1:123456789012:*", "matches every resource of the service"],
    ["arn:aws:sqs:us-east-1:123456789012:", "matches every resource of the service"],
    ["arn:aws:s3:::*", "matches every resource of the service"],
    ["arn:aws:s3*", "is not a well-formed ARN"],
    ["bucket-*", "is a wildcard, not an ARN"],
    ["plain-name", undefined],
  ])("broadArnReason(%s) is %s", (arn, reason) => {
    expect(broadArnReason(arn)).toBe(reason);
  });

  it("reads condition values and everyone-principals", () => {
    const [statement] = parse([
      {
        Effect: "Deny",
        Principal: { AWS: ["*"] },
        Condition: { Bool: { "aws:SecureTransport": [false, "false"] } },
      },
    ]);
    expect(statement).toBeDefined();
    if (statement === undefined) {
      return;
    }
    expect(conditionValues(statement, "Bool", "aws:SecureTransport")).toEqual(["false", "false"]);
    expect(conditionValues(statement, "StringEquals", "aws:SourceAccount")).toEqual([]);
    expect(isEveryone(statement.principal)).toBe(true);
    expect(isEveryone("*")).toBe(true);
    expect(isEveryone({ Service: "lambda.amazonaws.com" })).toBe(false);
  });
});
