import * as aws from "@pulumi/aws";
import {
  validateResourceOfType,
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";

import { resolveEnvironment, settingsFor } from "../context";
import {
  ofType,
  propsOf,
  resourcePolicy,
  stackPolicy,
  type ContextSource,
  type RuleMetadata,
} from "../define";
import { asNumber, asRecord, asString, describeResource, tagsOf, type Props } from "../props";
import { TYPES } from "../resource-types";
import { perEnvironment } from "../settings-text";

/** Node.js runtimes AWS supports and the bundles target (the bundles need Node.js 22 or later: the tick decoder reads numbers' source text). */
export const SUPPORTED_RUNTIMES: readonly string[] = ["nodejs22.x", "nodejs24.x"];

export const LAMBDA_RULES = {
  arm64: {
    name: "lambda-arm64",
    summary:
      "Every Lambda function runs on arm64 (Graviton): the bundles are built for it and it costs less per GB-second than x86_64.",
    ruleIds: [],
    severity: "medium",
    remediation: 'Set `architectures: ["arm64"]` on the function.',
  },
  memory: {
    name: "lambda-memory-per-environment",
    summary: `Every Lambda function has the memory of its environment in ENVIRONMENT_SETTINGS (${perEnvironment((settings) => `${settings.lambda.memoryMb} MB`)}).`,
    ruleIds: [],
    severity: "medium",
    remediation: "Set `memorySize` from `settings.lambda.memoryMb` of the environment.",
  },
  runtime: {
    name: "lambda-supported-runtime",
    summary: `Every Lambda function uses a supported Node.js runtime (${SUPPORTED_RUNTIMES.join(", ")}).`,
    ruleIds: ["AwsSolutions-L1", "CKV_AWS_363"],
    severity: "high",
    remediation: 'Set `runtime: "nodejs24.x"`.',
  },
  reservedConcurrency: {
    name: "lambda-reserved-concurrency",
    summary:
      "Every Lambda function has reserved concurrency of at least 1, so one function cannot starve the account or overload the table.",
    ruleIds: ["CKV_AWS_115"],
    severity: "medium",
    remediation: "Set `reservedConcurrentExecutions` from the environment's settings.",
  },
  vpc: {
    name: "lambda-in-vpc",
    summary:
      "Every Lambda function runs in the environment's private subnets with a security group, reaching DynamoDB and S3 through the VPC endpoints.",
    ruleIds: ["CKV_AWS_117"],
    severity: "high",
    remediation:
      "Set `vpcConfig: { subnetIds: <private subnet ids>, securityGroupIds: [<functions' security group>] }`.",
  },
  tracing: {
    name: "lambda-active-tracing",
    summary: "Every Lambda function has X-Ray active tracing.",
    ruleIds: ["CKV_AWS_50"],
    severity: "low",
    remediation: 'Set `tracingConfig: { mode: "Active" }`.',
  },
  functionUrlAuth: {
    name: "lambda-function-url-iam-auth",
    summary: "Function URLs require IAM (SigV4) authentication; none is open to anonymous callers.",
    ruleIds: ["CKV_AWS_258"],
    severity: "critical",
    remediation: 'Set `authorizationType: "AWS_IAM"` on the function URL.',
  },
  onFailure: {
    name: "stream-consumer-on-failure-destination",
    summary:
      "Every stream event source mapping sends the batches it gives up on to an on-failure destination (the consumer's dead-letter queue), so no failed record is lost silently.",
    ruleIds: [],
    related:
      "CKV_AWS_116 asks for a function-level dead-letter queue, which Lambda uses only for asynchronous invocations; stream mappings need the mapping's on-failure destination instead",
    severity: "high",
    remediation:
      "Set `destinationConfig: { onFailure: { destinationArn: <the consumer's dead-letter queue ARN> } }` on the mapping.",
  },
  boundedRetries: {
    name: "stream-consumer-bounded-retries",
    summary:
      "Every stream event source mapping reports partial batch failures, bisects failing batches and bounds retries and record age, so one poison record cannot block a shard until it expires.",
    ruleIds: [],
    severity: "high",
    remediation:
      'Set `functionResponseTypes: ["ReportBatchItemFailures"]`, `bisectBatchOnFunctionError: true`, `maximumRetryAttempts` (0-10000) and `maximumRecordAgeInSeconds` (60-604800).',
  },
  consumerConcurrency: {
    name: "stream-consumer-concurrency-covers-shards",
    summary:
      "A stream consumer's reserved concurrency covers shards x parallelization factor, so the function's own limit never throttles the stream; and every mapping reads a stream of its own stack.",
    ruleIds: [],
    severity: "high",
    remediation:
      "Raise the consumer's `reservedConcurrentExecutions` to at least shards x `parallelizationFactor`, or lower the mapping's parallelization factor.",
  },
} as const satisfies Record<string, RuleMetadata>;

function functionLabel(logicalName: string, props: { name?: string | undefined }): string {
  return describeResource("Lambda function", logicalName, props.name);
}

const STREAM_SOURCE_ARN = /^arn:[^:]+:(kinesis|dynamodb):/;

/** Stream sources (Kinesis, DynamoDB streams, Kafka) take a starting position; queues do not. */
export function isStreamMapping(props: Props): boolean {
  const arn = asString(props.eventSourceArn);
  return (arn !== undefined && STREAM_SOURCE_ARN.test(arn)) || props.startingPosition !== undefined;
}

export function lambdaPolicies(context: ContextSource): ResourceValidationPolicy[] {
  return [
    resourcePolicy(
      LAMBDA_RULES.arm64,
      validateResourceOfType(aws.lambda.Function, (fn, args, report) => {
        const architectures = fn.architectures ?? [];
        if (architectures.length !== 1 || architectures[0] !== "arm64") {
          const current =
            architectures.length === 0 ? "x86_64 (the default)" : architectures.join(", ");
          report(
            `${functionLabel(args.name, fn)} runs on ${current}: set architectures: ["arm64"].`,
          );
        }
      }),
    ),
    resourcePolicy(
      LAMBDA_RULES.memory,
      validateResourceOfType(aws.lambda.Function, (fn, args, report) => {
        const environment = resolveEnvironment(context(), tagsOf(args.props));
        if (environment === undefined) {
          return;
        }
        const expected = settingsFor(environment).lambda.memoryMb;
        if (fn.memorySize !== expected) {
          const current =
            fn.memorySize === undefined
              ? "no memorySize (AWS default 128 MB)"
              : `memorySize ${fn.memorySize} MB`;
          report(
            `${functionLabel(args.name, fn)} has ${current}; ${environment} functions get ${expected} MB (ENVIRONMENT_SETTINGS.${environment}.lambda.memoryMb): set memorySize: ${expected}.`,
          );
        }
      }),
    ),
    resourcePolicy(
      LAMBDA_RULES.runtime,
      validateResourceOfType(aws.lambda.Function, (fn, args, report) => {
        if (fn.runtime === undefined || !SUPPORTED_RUNTIMES.includes(fn.runtime)) {
          const current = fn.runtime === undefined ? "no runtime" : `runtime "${fn.runtime}"`;
          report(
            `${functionLabel(args.name, fn)} has ${current}; supported runtimes are ${SUPPORTED_RUNTIMES.join(", ")}: set runtime: "nodejs24.x".`,
          );
        }
      }),
    ),
    resourcePolicy(
      LAMBDA_RULES.reservedConcurrency,
      validateResourceOfType(aws.lambda.Function, (fn, args, report) => {
        const reserved = fn.reservedConcurrentExecutions;
        if (reserved === undefined || !Number.isInteger(reserved) || reserved < 1) {
          const current =
            reserved === undefined || reserved === -1
              ? "no reserved concurrency"
              : `reservedConcurrentExecutions ${reserved}${reserved === 0 ? ", which stops every invocation" : ""}`;
          report(
            `${functionLabel(args.name, fn)} has ${current}: set reservedConcurrentExecutions to the environment's value (at least 1).`,
          );
        }
      }),
    ),
    resourcePolicy(
      LAMBDA_RULES.vpc,
      validateResourceOfType(aws.lambda.Function, (fn, args, report) => {
        const subnets = fn.vpcConfig?.subnetIds ?? [];
        const groups = fn.vpcConfig?.securityGroupIds ?? [];
        const missing = [
          ...(subnets.length === 0 ? ["subnetIds"] : []),
          ...(groups.length === 0 ? ["securityGroupIds"] : []),
        ];
        if (missing.length > 0) {
          report(
            `${functionLabel(args.name, fn)} is not attached to the VPC (vpcConfig has no ${missing.join(" and no ")}): set vpcConfig to the private subnets and the functions' security group.`,
          );
        }
      }),
    ),
    resourcePolicy(
      LAMBDA_RULES.tracing,
      validateResourceOfType(aws.lambda.Function, (fn, args, report) => {
        const mode = fn.tracingConfig?.mode;
        if (mode !== "Active") {
          report(
            `${functionLabel(args.name, fn)} has tracing mode ${mode === undefined ? "unset (PassThrough)" : `"${mode}"`}: set tracingConfig: { mode: "Active" }.`,
          );
        }
      }),
    ),
    resourcePolicy(
      LAMBDA_RULES.functionUrlAuth,
      validateResourceOfType(aws.lambda.FunctionUrl, (url, args, report) => {
        if (url.authorizationType !== "AWS_IAM") {
          report(
            `Lambda function URL "${args.name}" (function ${url.functionName}) has authorizationType "${url.authorizationType}", which lets anyone call it: set authorizationType: "AWS_IAM".`,
          );
        }
      }),
    ),
    resourcePolicy(
      LAMBDA_RULES.onFailure,
      validateResourceOfType(aws.lambda.EventSourceMapping, (mapping, args, report) => {
        if (!isStreamMapping(args.props as Props)) {
          args.notApplicable("Only stream event source mappings have on-failure destinations");
        }
        const destination = mapping.destinationConfig?.onFailure?.destinationArn;
        if (destination === undefined || destination === "") {
          report(
            `Event source mapping "${args.name}" (function ${mapping.functionName}) has no on-failure destination, so batches it gives up on are dropped: set destinationConfig.onFailure.destinationArn to the consumer's dead-letter queue ARN.`,
          );
        }
      }),
    ),
    resourcePolicy(
      LAMBDA_RULES.boundedRetries,
      validateResourceOfType(aws.lambda.EventSourceMapping, (mapping, args, report) => {
        if (!isStreamMapping(args.props as Props)) {
          args.notApplicable("Only stream event source mappings retry batches");
        }
        const label = `Event source mapping "${args.name}" (function ${mapping.functionName})`;
        if (!(mapping.functionResponseTypes ?? []).includes("ReportBatchItemFailures")) {
          report(
            `${label} does not report batch item failures, so one bad record retries the whole batch: set functionResponseTypes: ["ReportBatchItemFailures"].`,
          );
        }
        if (mapping.bisectBatchOnFunctionError !== true) {
          report(`${label} does not bisect failing batches: set bisectBatchOnFunctionError: true.`);
        }
        const retries = mapping.maximumRetryAttempts;
        if (retries === undefined || retries < 0 || retries > 10000) {
          report(
            `${label} has maximumRetryAttempts ${retries === undefined ? "unset" : retries}, which retries a failing batch until its records expire: set maximumRetryAttempts between 0 and 10000.`,
          );
        }
        const age = mapping.maximumRecordAgeInSeconds;
        if (age === undefined || age < 60 || age > 604800) {
          report(
            `${label} has maximumRecordAgeInSeconds ${age === undefined ? "unset" : age}, so records never age out of retries: set it between 60 and 604800.`,
          );
        }
      }),
    ),
  ];
}

/** `stream/<name>` or `stream/<name>/consumer/<consumer>:<ts>` in a Kinesis ARN, as the stream name. */
export function kinesisStreamNameOf(arn: string): string | undefined {
  const match = /^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/([^/]+)/.exec(arn);
  return match?.[1];
}

/** A function's name from a name, a function ARN or a qualified ARN. */
export function functionNameOf(reference: string): string {
  const match = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(reference);
  return match?.[1] ?? reference;
}

function findFunction(
  functions: readonly PolicyResource[],
  reference: string,
): PolicyResource | undefined {
  const name = functionNameOf(reference);
  return functions.find((fn) => {
    const props = propsOf(fn);
    const arn = asString(props.arn);
    return (
      asString(props.name) === name ||
      (arn !== undefined && (arn === reference || functionNameOf(arn) === name))
    );
  });
}

function findStream(streams: readonly PolicyResource[], arn: string): PolicyResource | undefined {
  const name = kinesisStreamNameOf(arn);
  return streams.find((stream) => {
    const props = propsOf(stream);
    const streamArn = asString(props.arn);
    return (
      (name !== undefined && asString(props.name) === name) ||
      (streamArn !== undefined && (arn === streamArn || arn.startsWith(`${streamArn}/consumer/`)))
    );
  });
}

export function lambdaStackPolicies(): StackValidationPolicy[] {
  return [
    stackPolicy(LAMBDA_RULES.consumerConcurrency, (args, report) => {
      const mappings = ofType(args.resources, TYPES.eventSourceMapping).filter((mapping) =>
        /^arn:[^:]+:kinesis:/.test(asString(propsOf(mapping).eventSourceArn) ?? ""),
      );
      if (mappings.length === 0) {
        args.notApplicable("The stack has no Kinesis event source mappings");
      }
      const functions = ofType(args.resources, TYPES.lambdaFunction);
      const streams = ofType(args.resources, TYPES.stream);
      for (const mapping of mappings) {
        const props = propsOf(mapping);
        const sourceArn = asString(props.eventSourceArn) ?? "";
        const functionReference = asString(props.functionName) ?? "";
        const label = `Event source mapping "${mapping.name}"`;
        const stream = findStream(streams, sourceArn);
        if (stream === undefined) {
          report(
            `${label} reads "${sourceArn}", which is not a Kinesis stream of this stack: consume only the environment's own stream.`,
            mapping.urn,
          );
          continue;
        }
        const fn = findFunction(functions, functionReference);
        if (fn === undefined) {
          report(
            `${label} invokes "${functionReference}", which is not a Lambda function of this stack: point functionName at the environment's own consumer.`,
            mapping.urn,
          );
          continue;
        }
        const streamProps = propsOf(stream);
        const onDemand =
          asString(asRecord(streamProps.streamModeDetails)?.streamMode) === "ON_DEMAND";
        const shards = asNumber(streamProps.shardCount);
        if (onDemand || shards === undefined) {
          continue;
        }
        const factor = asNumber(props.parallelizationFactor) ?? 1;
        const needed = shards * factor;
        const fnProps = propsOf(fn);
        const reserved = asNumber(fnProps.reservedConcurrentExecutions);
        if (reserved === undefined || reserved < needed) {
          report(
            `${describeResource("Lambda function", fn.name, asString(fnProps.name))} has reserved concurrency ${reserved ?? "unset"}, below the ${needed} concurrent batches that mapping "${mapping.name}" runs (${shards} shards x parallelizationFactor ${factor}): set reservedConcurrentExecutions to at least ${needed}.`,
            fn.urn,
          );
        }
      }
    }),
  ];
}
