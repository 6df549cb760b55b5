import {
  allows,
  grantedPairs,
  wildcardMatches,
  type EvaluatedDocument,
} from "./support/iam-evaluation";

describe("wildcardMatches", () => {
  test.each([
    [
      "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/dev-*",
      "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/dev-x:*",
      true,
    ],
    ["arn:aws:s3:::dev-*/*", "arn:aws:s3:::dev-archive/raw/*", true],
    ["arn:aws:s3:::dev-*/*", "arn:aws:s3:::dev-archive", false],
    ["arn:aws:s3:::dev-*", "arn:aws:s3:::staging-archive", false],
    ["arn:aws:iam::1:role/dev-?", "arn:aws:iam::1:role/dev-a", true],
    ["arn:aws:iam::1:role/dev-?", "arn:aws:iam::1:role/dev-ab", false],
    ["table/dev.x", "table/devax", false],
    ["*", "", true],
  ])("%s against %s: %s", (pattern, value, expected) => {
    expect(wildcardMatches(pattern, value)).toBe(expected);
  });

  test("actions are matched without regard to case, resources with it", () => {
    expect(wildcardMatches("logs:PutLogEvents", "logs:putlogevents", true)).toBe(true);
    expect(wildcardMatches("arn:aws:s3:::Dev-*", "arn:aws:s3:::dev-a")).toBe(false);
  });
});

describe("allows", () => {
  const document: EvaluatedDocument = {
    Statement: [
      {
        Sid: "Create",
        Effect: "Allow",
        Action: ["iam:CreateRole"],
        Resource: "arn:aws:iam::1:role/dev-*",
        Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::1:policy/b" } },
      },
      {
        Sid: "Pass",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: ["arn:aws:iam::1:role/dev-*"],
        Condition: {
          ArnLike: { "iam:AssociatedResourceArn": "arn:aws:lambda:*:1:function:dev-*" },
        },
      },
      {
        Sid: "NoSecrets",
        Effect: "Deny",
        Action: "iam:CreateRole",
        Resource: "arn:aws:iam::1:role/dev-secret",
      },
    ],
  };

  test.each([
    [
      "with the boundary",
      "iam:CreateRole",
      "arn:aws:iam::1:role/dev-a",
      { "iam:PermissionsBoundary": "arn:aws:iam::1:policy/b" },
      true,
    ],
    ["without a boundary", "iam:CreateRole", "arn:aws:iam::1:role/dev-a", {}, false],
    [
      "with another boundary",
      "iam:CreateRole",
      "arn:aws:iam::1:role/dev-a",
      { "iam:PermissionsBoundary": "arn:aws:iam::1:policy/c" },
      false,
    ],
    [
      "outside the prefix",
      "iam:CreateRole",
      "arn:aws:iam::1:role/prod-a",
      { "iam:PermissionsBoundary": "arn:aws:iam::1:policy/b" },
      false,
    ],
    [
      "denied explicitly",
      "iam:CreateRole",
      "arn:aws:iam::1:role/dev-secret",
      { "iam:PermissionsBoundary": "arn:aws:iam::1:policy/b" },
      false,
    ],
    [
      "passed to a matching ARN",
      "iam:PassRole",
      "arn:aws:iam::1:role/dev-a",
      { "iam:AssociatedResourceArn": "arn:aws:lambda:us-east-1:1:function:dev-f" },
      true,
    ],
    [
      "passed to another ARN",
      "iam:PassRole",
      "arn:aws:iam::1:role/dev-a",
      { "iam:AssociatedResourceArn": "arn:aws:lambda:us-east-1:1:function:prod-f" },
      false,
    ],
    ["an action no statement names", "iam:DeleteRole", "arn:aws:iam::1:role/dev-a", {}, false],
  ])("%s", (_case, action, resource, context, expected) => {
    expect(allows(document, { action, resource, context })).toBe(expected);
  });

  test("an operator it cannot evaluate is an error, not a guess", () => {
    expect(() =>
      allows(
        {
          Statement: [
            {
              Sid: "Tagged",
              Effect: "Allow",
              Action: "ec2:CreateTags",
              Resource: "*",
              Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } },
            },
          ],
        },
        { action: "ec2:CreateTags", resource: "arn:aws:ec2:us-east-1:1:subnet/s" },
      ),
    ).toThrow(
      new Error(
        "Cannot evaluate the condition operator NumericLessThan of statement Tagged: only StringEquals, StringEqualsIfExists, StringLike, ArnEquals, ArnLike are supported.",
      ),
    );
  });

  test.each([
    ["absent", {}, true],
    ["equal", { "aws:RequestTag/Environment": "dev" }, true],
    ["different", { "aws:RequestTag/Environment": "staging" }, false],
  ])("StringEqualsIfExists holds when the key is %s", (_case, context, expected) => {
    const retag: EvaluatedDocument = {
      Statement: [
        {
          Sid: "Retag",
          Effect: "Allow",
          Action: "ec2:CreateTags",
          Resource: "arn:aws:ec2:us-east-1:1:subnet/*",
          Condition: { StringEqualsIfExists: { "aws:RequestTag/Environment": "dev" } },
        },
      ],
    };
    expect(
      allows(retag, {
        action: "ec2:CreateTags",
        resource: "arn:aws:ec2:us-east-1:1:subnet/subnet-1",
        context,
      }),
    ).toBe(expected);
  });

  test("NotAction is an error, not a guess", () => {
    const statement = { Sid: "Odd", Effect: "Allow", NotAction: "s3:*", Resource: "*" };
    expect(() =>
      allows({ Statement: [statement as never] }, { action: "s3:GetObject", resource: "*" }),
    ).toThrow(new Error("Cannot evaluate NotAction or NotResource in statement Odd."));
  });
});

test("grantedPairs lists every action on every resource of the Allow statements", () => {
  expect(
    grantedPairs({
      Statement: [
        {
          Sid: "A",
          Effect: "Allow",
          Action: ["logs:PutLogEvents", "logs:CreateLogStream"],
          Resource: ["g1", "g2"],
        },
        { Sid: "D", Effect: "Deny", Action: "s3:PutObject", Resource: "*" },
        { Sid: "B", Effect: "Allow", Action: "s3:PutObject", Resource: "b/*" },
      ],
    }),
  ).toEqual([
    { sid: "A", action: "logs:PutLogEvents", resource: "g1" },
    { sid: "A", action: "logs:PutLogEvents", resource: "g2" },
    { sid: "A", action: "logs:CreateLogStream", resource: "g1" },
    { sid: "A", action: "logs:CreateLogStream", resource: "g2" },
    { sid: "B", action: "s3:PutObject", resource: "b/*" },
  ]);
});
