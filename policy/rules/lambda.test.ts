import { findings } from "../../tests/support/policy/check";
import { compliantStack, omit, withResource } from "../../tests/support/policy/compliant-stack";
import { functionNameOf, isStreamMapping, kinesisStreamNameOf } from "./lambda";

const PROCESSOR = (environment: string) =>
  `Lambda function "market-processor" (${environment}-market-processor-us-east-1-a1)`;

function withProcessor(
  environment: "dev" | "staging" | "production",
  change: (inputs: Record<string, unknown>) => Record<string, unknown>,
) {
  return withResource(compliantStack(environment), "market-processor", change);
}

describe("lambda-arm64", () => {
  it("reports x86_64, explicit or by default", () => {
    let resources = withProcessor("dev", (inputs) => ({ ...inputs, architectures: ["x86_64"] }));
    resources = withResource(resources, "analytics-api", (inputs) => omit(inputs, "architectures"));
    expect(findings("dev", resources)).toEqual([
      [
        "lambda-arm64",
        "market-processor",
        `${PROCESSOR("dev")} runs on x86_64: set architectures: ["arm64"].`,
      ],
      [
        "lambda-arm64",
        "analytics-api",
        'Lambda function "analytics-api" (dev-analytics-api-us-east-1-a1) runs on x86_64 (the default): set architectures: ["arm64"].',
      ],
    ]);
  });
});

describe("lambda-memory-per-environment", () => {
  it.each([
    ["dev", 1024, "memorySize 1024 MB", 512],
    ["staging", 512, "memorySize 512 MB", 1024],
    ["production", undefined, "no memorySize (AWS default 128 MB)", 2048],
  ] as const)("%s: reports memorySize %s", (environment, memorySize, current, expected) => {
    const resources = withProcessor(environment, (inputs) => ({ ...inputs, memorySize }));
    expect(findings(environment, resources)).toEqual([
      [
        "lambda-memory-per-environment",
        "market-processor",
        `${PROCESSOR(environment)} has ${current}; ${environment} functions get ${expected} MB (ENVIRONMENT_SETTINGS.${environment}.lambda.memoryMb): set memorySize: ${expected}.`,
      ],
    ]);
  });
});

describe("lambda-supported-runtime", () => {
  it("reports an old or missing runtime", () => {
    let resources = withProcessor("staging", (inputs) => ({ ...inputs, runtime: "nodejs18.x" }));
    resources = withResource(resources, "analytics-api", (inputs) => ({
      ...inputs,
      runtime: undefined,
    }));
    expect(findings("staging", resources)).toEqual([
      [
        "lambda-supported-runtime",
        "market-processor",
        `${PROCESSOR("staging")} has runtime "nodejs18.x"; supported runtimes are nodejs22.x, nodejs24.x: set runtime: "nodejs24.x".`,
      ],
      [
        "lambda-supported-runtime",
        "analytics-api",
        'Lambda function "analytics-api" (staging-analytics-api-us-east-1-a1) has no runtime; supported runtimes are nodejs22.x, nodejs24.x: set runtime: "nodejs24.x".',
      ],
    ]);
  });

  it("accepts nodejs22.x", () => {
    const resources = withProcessor("dev", (inputs) => ({ ...inputs, runtime: "nodejs22.x" }));
    expect(findings("dev", resources)).toEqual([]);
  });
});

describe("lambda-reserved-concurrency", () => {
  it("reports missing and zero reserved concurrency", () => {
    const resources = withResource(compliantStack("dev"), "analytics-api", (inputs) => ({
      ...inputs,
      reservedConcurrentExecutions: undefined,
    }));
    const zero = withResource(compliantStack("dev"), "analytics-api", (inputs) => ({
      ...inputs,
      reservedConcurrentExecutions: 0,
    }));
    const label = 'Lambda function "analytics-api" (dev-analytics-api-us-east-1-a1)';
    expect(findings("dev", resources)).toEqual([
      [
        "lambda-reserved-concurrency",
        "analytics-api",
        `${label} has no reserved concurrency: set reservedConcurrentExecutions to the environment's value (at least 1).`,
      ],
    ]);
    expect(findings("dev", zero)).toEqual([
      [
        "lambda-reserved-concurrency",
        "analytics-api",
        `${label} has reservedConcurrentExecutions 0, which stops every invocation: set reservedConcurrentExecutions to the environment's value (at least 1).`,
      ],
    ]);
  });
});

describe("lambda-in-vpc", () => {
  it("reports a function outside the VPC or without a security group", () => {
    let resources = withProcessor("production", (inputs) => ({ ...inputs, vpcConfig: undefined }));
    resources = withResource(resources, "analytics-api", (inputs) => ({
      ...inputs,
      vpcConfig: { subnetIds: ["subnet-0a"], securityGroupIds: [] },
    }));
    expect(findings("production", resources)).toEqual([
      [
        "lambda-in-vpc",
        "market-processor",
        `${PROCESSOR("production")} is not attached to the VPC (vpcConfig has no subnetIds and no securityGroupIds): set vpcConfig to the private subnets and the functions' security group.`,
      ],
      [
        "lambda-in-vpc",
        "analytics-api",
        'Lambda function "analytics-api" (production-analytics-api-us-east-1-a1) is not attached to the VPC (vpcConfig has no securityGroupIds): set vpcConfig to the private subnets and the functions\' security group.',
      ],
    ]);
  });
});

describe("lambda-active-tracing", () => {
  it("reports PassThrough and unset tracing", () => {
    let resources = withProcessor("dev", (inputs) => ({
      ...inputs,
      tracingConfig: { mode: "PassThrough" },
    }));
    resources = withResource(resources, "analytics-api", (inputs) => ({
      ...inputs,
      tracingConfig: undefined,
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "lambda-active-tracing",
        "market-processor",
        `${PROCESSOR("dev")} has tracing mode "PassThrough": set tracingConfig: { mode: "Active" }.`,
      ],
      [
        "lambda-active-tracing",
        "analytics-api",
        'Lambda function "analytics-api" (dev-analytics-api-us-east-1-a1) has tracing mode unset (PassThrough): set tracingConfig: { mode: "Active" }.',
      ],
    ]);
  });
});

describe("lambda-function-url-iam-auth", () => {
  it("reports an anonymous function URL", () => {
    const resources = withResource(compliantStack("production"), "analytics-api-url", (inputs) => ({
      ...inputs,
      authorizationType: "NONE",
    }));
    expect(findings("production", resources)).toEqual([
      [
        "lambda-function-url-iam-auth",
        "analytics-api-url",
        'Lambda function URL "analytics-api-url" (function production-analytics-api-us-east-1-a1) has authorizationType "NONE", which lets anyone call it: set authorizationType: "AWS_IAM".',
      ],
    ]);
  });
});

describe("stream-consumer-on-failure-destination", () => {
  it("reports a stream mapping without an on-failure destination", () => {
    const resources = withResource(compliantStack("dev"), "market-archiver-mapping", (inputs) => ({
      ...inputs,
      destinationConfig: undefined,
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "stream-consumer-on-failure-destination",
        "market-archiver-mapping",
        'Event source mapping "market-archiver-mapping" (function dev-market-archiver-us-east-1-a1) has no on-failure destination, so batches it gives up on are dropped: set destinationConfig.onFailure.destinationArn to the consumer\'s dead-letter queue ARN.',
      ],
    ]);
  });

  it("does not apply to queue mappings", () => {
    const resources = [
      ...compliantStack("dev"),
      {
        type: "aws:lambda/eventSourceMapping:EventSourceMapping",
        name: "queue-mapping",
        inputs: {
          eventSourceArn:
            "arn:aws:sqs:us-east-1:123456789012:dev-market-processor-dlq-us-east-1-a1",
          functionName: "dev-market-processor-us-east-1-a1",
          tags: {
            Environment: "dev",
            ManagedBy: "pulumi",
            Project: "trading-analytics",
            Service: "market-processor",
          },
        },
      },
    ];
    expect(findings("dev", resources)).toEqual([]);
  });
});

describe("stream-consumer-bounded-retries", () => {
  it("reports every missing safeguard of a stream mapping", () => {
    const resources = withResource(
      compliantStack("staging"),
      "market-processor-mapping",
      (inputs) => ({
        ...inputs,
        functionResponseTypes: [],
        bisectBatchOnFunctionError: undefined,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: undefined,
      }),
    );
    const label =
      'Event source mapping "market-processor-mapping" (function staging-market-processor-us-east-1-a1)';
    expect(findings("staging", resources)).toEqual([
      [
        "stream-consumer-bounded-retries",
        "market-processor-mapping",
        `${label} does not report batch item failures, so one bad record retries the whole batch: set functionResponseTypes: ["ReportBatchItemFailures"].`,
      ],
      [
        "stream-consumer-bounded-retries",
        "market-processor-mapping",
        `${label} does not bisect failing batches: set bisectBatchOnFunctionError: true.`,
      ],
      [
        "stream-consumer-bounded-retries",
        "market-processor-mapping",
        `${label} has maximumRetryAttempts -1, which retries a failing batch until its records expire: set maximumRetryAttempts between 0 and 10000.`,
      ],
      [
        "stream-consumer-bounded-retries",
        "market-processor-mapping",
        `${label} has maximumRecordAgeInSeconds unset, so records never age out of retries: set it between 60 and 604800.`,
      ],
    ]);
  });
});

describe("stream-consumer-concurrency-covers-shards", () => {
  it("reports a consumer whose reserved concurrency is below shards x parallelization", () => {
    const resources = withProcessor("production", (inputs) => ({
      ...inputs,
      reservedConcurrentExecutions: 4,
    }));
    expect(findings("production", resources)).toEqual([
      [
        "stream-consumer-concurrency-covers-shards",
        "market-processor",
        `${PROCESSOR("production")} has reserved concurrency 4, below the 8 concurrent batches that mapping "market-processor-mapping" runs (4 shards x parallelizationFactor 2): set reservedConcurrentExecutions to at least 8.`,
      ],
    ]);
  });

  it("reports a mapping that reads another stack's stream or invokes another stack's function", () => {
    let resources = withResource(
      compliantStack("staging"),
      "market-processor-mapping",
      (inputs) => ({
        ...inputs,
        eventSourceArn:
          "arn:aws:kinesis:us-east-1:123456789012:stream/production-market-data-us-east-1-a1",
      }),
    );
    resources = withResource(resources, "market-archiver-mapping", (inputs) => ({
      ...inputs,
      functionName:
        "arn:aws:lambda:us-east-1:123456789012:function:production-market-archiver-us-east-1-a1",
    }));
    expect(findings("staging", resources)).toEqual([
      [
        "stream-consumer-concurrency-covers-shards",
        "market-processor-mapping",
        'Event source mapping "market-processor-mapping" reads "arn:aws:kinesis:us-east-1:123456789012:stream/production-market-data-us-east-1-a1", which is not a Kinesis stream of this stack: consume only the environment\'s own stream.',
      ],
      [
        "stream-consumer-concurrency-covers-shards",
        "market-archiver-mapping",
        'Event source mapping "market-archiver-mapping" invokes "arn:aws:lambda:us-east-1:123456789012:function:production-market-archiver-us-east-1-a1", which is not a Lambda function of this stack: point functionName at the environment\'s own consumer.',
      ],
    ]);
  });

  it("follows enhanced fan-out consumers and function ARNs to their stream and function", () => {
    let resources = withResource(
      compliantStack("production"),
      "market-processor-mapping",
      (inputs) => ({
        ...inputs,
        eventSourceArn:
          "arn:aws:kinesis:us-east-1:123456789012:stream/production-market-data-us-east-1-a1/consumer/production-market-processor-us-east-1-a1:1700000000",
        functionName:
          "arn:aws:lambda:us-east-1:123456789012:function:production-market-processor-us-east-1-a1",
      }),
    );
    resources = withResource(resources, "market-processor", (inputs) => ({
      ...inputs,
      reservedConcurrentExecutions: 7,
    }));
    expect(findings("production", resources)).toEqual([
      [
        "stream-consumer-concurrency-covers-shards",
        "market-processor",
        `${PROCESSOR("production")} has reserved concurrency 7, below the 8 concurrent batches that mapping "market-processor-mapping" runs (4 shards x parallelizationFactor 2): set reservedConcurrentExecutions to at least 8.`,
      ],
    ]);
  });

  it("skips on-demand streams, whose shard count AWS manages", () => {
    const resources = withResource(compliantStack("dev"), "stream", (inputs) => ({
      ...inputs,
      streamModeDetails: { streamMode: "ON_DEMAND" },
      shardCount: undefined,
    }));
    expect(
      findings("dev", resources).filter(
        ([policy]) => policy === "stream-consumer-concurrency-covers-shards",
      ),
    ).toEqual([]);
  });
});

describe("ARN helpers", () => {
  it.each([
    ["arn:aws:kinesis:us-east-1:123456789012:stream/s1", "s1"],
    ["arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/c1:170", "s1"],
    ["arn:aws:sqs:us-east-1:123456789012:q", undefined],
  ])("kinesisStreamNameOf(%s) is %s", (arn, name) => {
    expect(kinesisStreamNameOf(arn)).toBe(name);
  });

  it.each([
    ["fn", "fn"],
    ["arn:aws:lambda:us-east-1:123456789012:function:fn", "fn"],
    ["arn:aws:lambda:us-east-1:123456789012:function:fn:live", "fn"],
  ])("functionNameOf(%s) is %s", (reference, name) => {
    expect(functionNameOf(reference)).toBe(name);
  });

  it.each([
    [{ eventSourceArn: "arn:aws:kinesis:us-east-1:1:stream/s" }, true],
    [{ eventSourceArn: "arn:aws:dynamodb:us-east-1:1:table/t/stream/2024" }, true],
    [{ eventSourceArn: "arn:aws:kafka:us-east-1:1:cluster/c", startingPosition: "LATEST" }, true],
    [{ eventSourceArn: "arn:aws:sqs:us-east-1:1:q" }, false],
  ])("isStreamMapping(%j) is %s", (props, expected) => {
    expect(isStreamMapping(props)).toBe(expected);
  });
});
