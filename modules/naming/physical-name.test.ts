import {
  NAME_RULES,
  namerFor,
  physicalName,
  type NameParts,
  type ResourceKind,
} from "./physical-name";

const KINDS = Object.keys(NAME_RULES) as ResourceKind[];

/** `dev-<service>-us-east-1-a1` is the service plus 17 characters. */
const FIXED_LENGTH = "dev--us-east-1-a1".length;

function parts(service: string, suffix = "a1"): NameParts {
  return { environment: "dev", service, region: "us-east-1", suffix };
}

/** A valid service name of exactly `length` characters. */
function serviceOfLength(length: number): string {
  return `s${"x".repeat(length - 1)}`;
}

describe("physicalName", () => {
  test("builds {env}-{service}-{region}-{suffix}", () => {
    expect(
      physicalName("lambda-function", {
        environment: "production",
        service: "market-processor",
        region: "us-east-1",
        suffix: "a1",
      }),
    ).toBe("production-market-processor-us-east-1-a1");
  });

  test("puts a prefix in front, and counts it", () => {
    expect(physicalName("log-group", parts("market-processor"), { prefix: "/aws/lambda/" })).toBe(
      "/aws/lambda/dev-market-processor-us-east-1-a1",
    );
    expect(physicalName("kms-alias", parts("state"), { prefix: "alias/" })).toBe(
      "alias/dev-state-us-east-1-a1",
    );
  });

  test.each<[ResourceKind, string, number]>([
    ["s3-bucket", "S3 bucket", 63],
    ["lambda-function", "Lambda function", 64],
    ["iam-role", "IAM role", 64],
    ["iam-policy", "IAM policy", 128],
    ["dynamodb-table", "DynamoDB table", 255],
    ["kinesis-stream", "Kinesis stream", 128],
    ["sqs-queue", "SQS queue", 80],
    ["sns-topic", "SNS topic", 256],
    ["cloudwatch-alarm", "CloudWatch alarm", 255],
    ["cloudwatch-dashboard", "CloudWatch dashboard", 255],
    ["log-group", "CloudWatch log group", 512],
    ["security-group", "security group", 255],
    ["kms-alias", "KMS alias", 256],
    ["scaling-policy", "Application Auto Scaling policy", 256],
  ])("%s: the longest allowed name passes, one more character throws", (kind, label, max) => {
    expect(NAME_RULES[kind].maxLength).toBe(max);
    expect(NAME_RULES[kind].label).toBe(label);

    const longest = serviceOfLength(max - FIXED_LENGTH);
    const name = physicalName(kind, parts(longest));
    expect(name).toHaveLength(max);

    const tooLong = `${longest}x`;
    expect(() => physicalName(kind, parts(tooLong))).toThrow(
      `${label} name "dev-${tooLong}-us-east-1-a1" is ${max + 1} characters; AWS allows at most ${max}. Shorten the service "${tooLong}" or the environmentSuffix "a1" by at least 1 character.`,
    );
  });

  test("the excess is counted, in plural", () => {
    const service = serviceOfLength(63 - FIXED_LENGTH + 5);
    expect(() => physicalName("s3-bucket", parts(service))).toThrow(
      `S3 bucket name "dev-${service}-us-east-1-a1" is 68 characters; AWS allows at most 63. Shorten the service "${service}" or the environmentSuffix "a1" by at least 5 characters.`,
    );
  });

  test("the suffix counts towards the limit", () => {
    const service = serviceOfLength(64 - FIXED_LENGTH);
    expect(() => physicalName("iam-role", parts(service, "a12"))).toThrow(
      `IAM role name "dev-${service}-us-east-1-a12" is 65 characters; AWS allows at most 64. Shorten the service "${service}" or the environmentSuffix "a12" by at least 1 character.`,
    );
  });

  test("a prefix counts towards the limit", () => {
    const service = serviceOfLength(512 - FIXED_LENGTH - "/aws/lambda/".length + 1);
    expect(() => physicalName("log-group", parts(service), { prefix: "/aws/lambda/" })).toThrow(
      `CloudWatch log group name "/aws/lambda/dev-${service}-us-east-1-a1" is 513 characters; AWS allows at most 512. Shorten the service "${service}" or the environmentSuffix "a1" by at least 1 character.`,
    );
  });

  test.each(KINDS)(
    "%s: the shortest name the pattern builds is above the minimum length",
    (kind) => {
      // The minimum checks guard the rule table; no env-service-region-suffix name is that short.
      expect(physicalName(kind, parts("x", "a")).length).toBeGreaterThanOrEqual(
        NAME_RULES[kind].minLength,
      );
    },
  );

  test("a name under the minimum length throws", () => {
    const shortParts = {
      environment: "",
      service: "x",
      region: "",
      suffix: "",
    } as unknown as NameParts;
    const rules = NAME_RULES as Record<ResourceKind, (typeof NAME_RULES)[ResourceKind]>;
    const original = rules["s3-bucket"];
    (rules as Record<string, unknown>)["s3-bucket"] = { ...original, minLength: 5 };
    try {
      expect(() => physicalName("s3-bucket", shortParts)).toThrow(
        'S3 bucket name "-x--" is 4 characters; AWS needs at least 5. Lengthen the service "x".',
      );
    } finally {
      (rules as Record<string, unknown>)["s3-bucket"] = original;
    }
  });

  test.each<[ResourceKind, NameParts, string, string]>([
    [
      "s3-bucket",
      { environment: "dev", service: "market-archive", region: "US-east-1", suffix: "a1" },
      '"U", "S"',
      "lower-case letters, digits and hyphens (no dots)",
    ],
    [
      "s3-bucket",
      { environment: "dev", service: "market-archive", region: "us-east-1", suffix: "a.1" },
      '"."',
      "lower-case letters, digits and hyphens (no dots)",
    ],
    [
      "sqs-queue",
      { environment: "dev", service: "market-processor-dlq", region: "us-east-1", suffix: "a 1" },
      '" "',
      "letters, digits, hyphens and underscores",
    ],
    [
      "lambda-function",
      { environment: "dev", service: "market-processor", region: "us/east/1", suffix: "a1" },
      '"/"',
      "letters, digits, hyphens and underscores",
    ],
    [
      "cloudwatch-dashboard",
      { environment: "dev", service: "market-dashboard", region: "us-east-1", suffix: "a.1" },
      '"."',
      "letters, digits, hyphens and underscores",
    ],
  ])("%s rejects characters AWS does not allow", (kind, nameParts, characters, allowed) => {
    const name = `${nameParts.environment}-${nameParts.service}-${nameParts.region}-${nameParts.suffix}`;
    expect(() => physicalName(kind, nameParts)).toThrow(
      `${NAME_RULES[kind].label} name "${name}" contains ${characters}, which AWS does not allow: use only ${allowed}. Change the service "${nameParts.service}" or the environmentSuffix "${nameParts.suffix}".`,
    );
  });

  test("a prefix with characters the kind does not allow is rejected", () => {
    expect(() =>
      physicalName("lambda-function", parts("market-processor"), { prefix: "/aws/" }),
    ).toThrow(
      'Lambda function name "/aws/dev-market-processor-us-east-1-a1" contains "/", which AWS does not allow: use only letters, digits, hyphens and underscores. Change the service "market-processor" or the environmentSuffix "a1".',
    );
  });

  test.each([
    "Market",
    "market--processor",
    "-market",
    "market-",
    "",
    "market_processor",
    "market processor",
  ])("rejects the service %j", (service) => {
    expect(() => physicalName("sqs-queue", parts(service))).toThrow(
      `Invalid service "${service}" for a SQS queue name: use lower-case letters and digits in hyphen-separated words, e.g. "market-processor".`,
    );
  });

  test.each(["a", "market-processor", "market-processor-dlq", "x1-y2-z3"])(
    "accepts the service %j",
    (service) => {
      expect(physicalName("sqs-queue", parts(service))).toBe(`dev-${service}-us-east-1-a1`);
    },
  );
});

describe("namerFor", () => {
  const namer = namerFor({ environment: "staging", region: "us-east-1", suffix: "b2" });

  test("binds the environment, region and suffix", () => {
    expect(namer("sqs-queue", "market-processor-dlq")).toBe(
      "staging-market-processor-dlq-us-east-1-b2",
    );
    expect(namer("log-group", "vpc", { prefix: "/vpc/flow-logs/" })).toBe(
      "/vpc/flow-logs/staging-vpc-us-east-1-b2",
    );
  });

  test("checks the limits like physicalName", () => {
    const service = serviceOfLength(64);
    expect(() => namer("lambda-function", service)).toThrow(
      `Lambda function name "staging-${service}-us-east-1-b2" is 85 characters; AWS allows at most 64. Shorten the service "${service}" or the environmentSuffix "b2" by at least 21 characters.`,
    );
  });
});
