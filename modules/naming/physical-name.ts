import type { EnvironmentName } from "../config/settings";

/** The AWS resource kinds this platform names, each with the limits AWS enforces on its name. */
export type ResourceKind =
  | "s3-bucket"
  | "lambda-function"
  | "iam-role"
  | "iam-policy"
  | "dynamodb-table"
  | "kinesis-stream"
  | "sqs-queue"
  | "sns-topic"
  | "cloudwatch-alarm"
  | "cloudwatch-dashboard"
  | "log-group"
  | "security-group"
  | "kms-alias"
  | "scaling-policy";

interface NameRule {
  readonly label: string;
  readonly minLength: number;
  readonly maxLength: number;
  /** Matches one allowed character. */
  readonly allowedCharacter: RegExp;
  readonly allowedDescription: string;
}

export const NAME_RULES: Readonly<Record<ResourceKind, NameRule>> = {
  "s3-bucket": {
    label: "S3 bucket",
    minLength: 3,
    maxLength: 63,
    allowedCharacter: /[a-z0-9-]/,
    allowedDescription: "lower-case letters, digits and hyphens (no dots)",
  },
  "lambda-function": {
    label: "Lambda function",
    minLength: 1,
    maxLength: 64,
    allowedCharacter: /[A-Za-z0-9_-]/,
    allowedDescription: "letters, digits, hyphens and underscores",
  },
  "iam-role": {
    label: "IAM role",
    minLength: 1,
    maxLength: 64,
    allowedCharacter: /[A-Za-z0-9+=,.@_-]/,
    allowedDescription: "letters, digits and + = , . @ _ -",
  },
  "iam-policy": {
    label: "IAM policy",
    minLength: 1,
    maxLength: 128,
    allowedCharacter: /[A-Za-z0-9+=,.@_-]/,
    allowedDescription: "letters, digits and + = , . @ _ -",
  },
  "dynamodb-table": {
    label: "DynamoDB table",
    minLength: 3,
    maxLength: 255,
    allowedCharacter: /[A-Za-z0-9_.-]/,
    allowedDescription: "letters, digits, underscores, hyphens and dots",
  },
  "kinesis-stream": {
    label: "Kinesis stream",
    minLength: 1,
    maxLength: 128,
    allowedCharacter: /[A-Za-z0-9_.-]/,
    allowedDescription: "letters, digits, underscores, hyphens and dots",
  },
  "sqs-queue": {
    label: "SQS queue",
    minLength: 1,
    maxLength: 80,
    allowedCharacter: /[A-Za-z0-9_-]/,
    allowedDescription: "letters, digits, hyphens and underscores",
  },
  "sns-topic": {
    label: "SNS topic",
    minLength: 1,
    maxLength: 256,
    allowedCharacter: /[A-Za-z0-9_-]/,
    allowedDescription: "letters, digits, hyphens and underscores",
  },
  "cloudwatch-alarm": {
    label: "CloudWatch alarm",
    minLength: 1,
    maxLength: 255,
    allowedCharacter: /[A-Za-z0-9 _.:/#+=@-]/,
    allowedDescription: "letters, digits, spaces and _ . : / # + = @ -",
  },
  // CloudWatch API reference, PutDashboard: at most 255 characters of A-Z, a-z, 0-9, "-" and "_".
  "cloudwatch-dashboard": {
    label: "CloudWatch dashboard",
    minLength: 1,
    maxLength: 255,
    allowedCharacter: /[A-Za-z0-9_-]/,
    allowedDescription: "letters, digits, hyphens and underscores",
  },
  "log-group": {
    label: "CloudWatch log group",
    minLength: 1,
    maxLength: 512,
    allowedCharacter: /[A-Za-z0-9_./#-]/,
    allowedDescription: "letters, digits and _ - / . #",
  },
  "security-group": {
    label: "security group",
    minLength: 1,
    maxLength: 255,
    allowedCharacter: /[A-Za-z0-9 ._:/()#,@[\]+=&;{}!$*-]/,
    allowedDescription: "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
  },
  "kms-alias": {
    label: "KMS alias",
    minLength: 1,
    maxLength: 256,
    allowedCharacter: /[A-Za-z0-9/_-]/,
    allowedDescription: "letters, digits and / _ -",
  },
  "scaling-policy": {
    label: "Application Auto Scaling policy",
    minLength: 1,
    maxLength: 256,
    allowedCharacter: /[\x20-\x7E]/,
    allowedDescription: "printable ASCII characters",
  },
};

/** The parts every physical name is built from. */
export interface NameParts {
  readonly environment: EnvironmentName;
  /** What the resource is for, e.g. `market-processor`: lower-case letters, digits and single hyphens. */
  readonly service: string;
  readonly region: string;
  /** The deployment's environmentSuffix, already validated by the config loader. */
  readonly suffix: string;
}

export interface NameOptions {
  /** Fixed text before the name, e.g. `/aws/lambda/` for a function's log group or `alias/` for KMS. */
  readonly prefix?: string;
}

const SERVICE_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Builds `{env}-{service}-{region}-{suffix}` and rejects, with a message that says what to change,
 * any name that the AWS service would reject.
 */
export function physicalName(
  kind: ResourceKind,
  parts: NameParts,
  options: NameOptions = {},
): string {
  const rule = NAME_RULES[kind];
  if (!SERVICE_PATTERN.test(parts.service)) {
    throw new Error(
      `Invalid service "${parts.service}" for a ${rule.label} name: use lower-case letters and digits in hyphen-separated words, e.g. "market-processor".`,
    );
  }
  const base = `${parts.environment}-${parts.service}-${parts.region}-${parts.suffix}`;
  const name = `${options.prefix ?? ""}${base}`;
  const disallowed = [...new Set([...name].filter((ch) => !rule.allowedCharacter.test(ch)))];
  if (disallowed.length > 0) {
    throw new Error(
      `${rule.label} name "${name}" contains ${disallowed.map((ch) => `"${ch}"`).join(", ")}, which AWS does not allow: use only ${rule.allowedDescription}. Change the service "${parts.service}" or the environmentSuffix "${parts.suffix}".`,
    );
  }
  if (name.length > rule.maxLength) {
    const excess = name.length - rule.maxLength;
    throw new Error(
      `${rule.label} name "${name}" is ${name.length} characters; AWS allows at most ${rule.maxLength}. Shorten the service "${parts.service}" or the environmentSuffix "${parts.suffix}" by at least ${excess} character${excess === 1 ? "" : "s"}.`,
    );
  }
  if (name.length < rule.minLength) {
    throw new Error(
      `${rule.label} name "${name}" is ${name.length} characters; AWS needs at least ${rule.minLength}. Lengthen the service "${parts.service}".`,
    );
  }
  return name;
}

/** A namer bound to one deployment, so components only say which service and kind they name. */
export type Namer = (kind: ResourceKind, service: string, options?: NameOptions) => string;

export function namerFor(base: Omit<NameParts, "service">): Namer {
  return (kind, service, options) => physicalName(kind, { ...base, service }, options);
}
