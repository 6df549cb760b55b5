import * as pulumi from "@pulumi/pulumi";

/** One Allow statement: exact actions on one exact resource. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: pulumi.Input<string>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** The trust policy of an execution role (its `Action` is a single string, as IAM writes it). */
export interface TrustPolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly [
    {
      readonly Sid: string;
      readonly Effect: "Allow";
      readonly Principal: { readonly Service: "lambda.amazonaws.com" };
      readonly Action: "sts:AssumeRole";
      readonly Condition: {
        readonly StringEquals: { readonly "aws:SourceAccount": pulumi.Input<string> };
      };
    },
  ];
}

const SID_PATTERN = /^[A-Za-z0-9]+$/;
/** `service:Action` with no wildcard anywhere. */
const EXACT_ACTION_PATTERN = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/**
 * The ENI actions Lambda performs with the execution role when it attaches the function to the VPC.
 * AWS documents them on `"*"`: `DescribeNetworkInterfaces` has no resource-level permissions, and the
 * interfaces do not exist (so have no ARN) until Lambda creates them.
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
] as const;

/** Active tracing uploads segments with these; X-Ray defines no resource types for them, so only `"*"` works. */
export const XRAY_WRITE_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] as const;

/**
 * What Lambda's event source mapping calls on the stream to find shards and read them. The
 * enhanced fan-out mapping still describes and lists shards through the stream.
 */
export const KINESIS_STREAM_READ_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
] as const;

/** What an enhanced fan-out mapping calls on its registered consumer (IAM resource type `consumer`). */
export const KINESIS_CONSUMER_READ_ACTIONS = [
  "kinesis:DescribeStreamConsumer",
  "kinesis:SubscribeToShard",
] as const;

/** The only actions a function's log statement grants; the log group is created by the deployment. */
export const LOG_WRITE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"] as const;

/** Key prefix of the raw archive (`raw/dt=YYYY-MM-DD/hr=HH/...`); the archiver writes nowhere else. */
export const ARCHIVE_KEY_PREFIX = "raw/";

/**
 * An Allow statement with exact actions on one exact resource. Rejects wildcard actions and a bare
 * `"*"` resource: the only statements on `"*"` are the two documented exceptions below.
 */
export function allow(
  sid: string,
  actions: readonly string[],
  resource: pulumi.Input<string>,
): PolicyStatement {
  if (!SID_PATTERN.test(sid)) {
    throw new Error(
      `IAM statement id "${sid}" is invalid: use only letters and digits, e.g. "ReadStream".`,
    );
  }
  if (actions.length === 0) {
    throw new Error(`IAM statement ${sid} has no actions: list the exact actions the code calls.`);
  }
  const inexact = actions.filter((action) => !EXACT_ACTION_PATTERN.test(action));
  if (inexact.length > 0) {
    throw new Error(
      `IAM statement ${sid} has ${inexact.map((a) => `"${a}"`).join(", ")}: name each action exactly as "service:Action", without wildcards.`,
    );
  }
  const duplicates = actions.filter((action, index) => actions.indexOf(action) !== index);
  if (duplicates.length > 0) {
    throw new Error(
      `IAM statement ${sid} lists ${duplicates.map((a) => `"${a}"`).join(", ")} more than once: list each action once.`,
    );
  }
  if (resource === "*") {
    throw new Error(
      `IAM statement ${sid} grants ${actions.join(", ")} on "*": name the resource's ARN instead.`,
    );
  }
  return { Sid: sid, Effect: "Allow", Action: [...actions], Resource: resource };
}

/** The one statement on `"*"` for VPC access (see {@link VPC_NETWORK_INTERFACE_ACTIONS}). */
export function vpcNetworkInterfaceStatement(): PolicyStatement {
  return {
    Sid: "ManageVpcNetworkInterfaces",
    Effect: "Allow",
    Action: [...VPC_NETWORK_INTERFACE_ACTIONS],
    Resource: "*",
  };
}

/** The one statement on `"*"` for tracing (see {@link XRAY_WRITE_ACTIONS}). */
export function xrayWriteStatement(): PolicyStatement {
  return {
    Sid: "WriteTraces",
    Effect: "Allow",
    Action: [...XRAY_WRITE_ACTIONS],
    Resource: "*",
  };
}

/** Log streams of the function's own log group, and nothing else: `<log group ARN>:*`. */
export function writeLogsStatement(logGroupArn: pulumi.Input<string>): PolicyStatement {
  return allow("WriteOwnLogStreams", LOG_WRITE_ACTIONS, pulumi.interpolate`${logGroupArn}:*`);
}

export function readStreamStatement(streamArn: pulumi.Input<string>): PolicyStatement {
  return allow("ReadStream", KINESIS_STREAM_READ_ACTIONS, streamArn);
}

export function readConsumerStatement(consumerArn: pulumi.Input<string>): PolicyStatement {
  return allow("ReadThroughEnhancedFanOut", KINESIS_CONSUMER_READ_ACTIONS, consumerArn);
}

/** The event source mapping's on-failure destination sends with the function's role. */
export function sendToDeadLetterQueueStatement(queueArn: pulumi.Input<string>): PolicyStatement {
  return allow("SendFailedBatchesToDeadLetterQueue", ["sqs:SendMessage"], queueArn);
}

export function writeArchiveStatement(bucketArn: pulumi.Input<string>): PolicyStatement {
  return allow(
    "WriteRawArchive",
    ["s3:PutObject"],
    pulumi.interpolate`${bucketArn}/${ARCHIVE_KEY_PREFIX}*`,
  );
}

/** Trusted by Lambda only on behalf of this account (`aws:SourceAccount` guards against confused deputies). */
export function lambdaTrustPolicy(accountId: pulumi.Input<string>): TrustPolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "LambdaAssumesRoleForThisAccount",
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/** A policy document from statements whose ids are unique, so a reader can refer to each one. */
export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
  const sids = statements.map((statement) => statement.Sid);
  const repeated = sids.filter((sid, index) => sids.indexOf(sid) !== index);
  if (repeated.length > 0) {
    throw new Error(
      `IAM statement ids must be unique within a policy; repeated: ${[...new Set(repeated)].join(", ")}. Merge those statements or rename one.`,
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}
