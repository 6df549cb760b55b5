/** Pulumi type tokens the policies look at (@pulumi/aws 7.x, @pulumi/awsx 3.x). */
export const TYPES = {
  lambdaFunction: "aws:lambda/function:Function",
  eventSourceMapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  functionUrl: "aws:lambda/functionUrl:FunctionUrl",
  table: "aws:dynamodb/table:Table",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  bucket: "aws:s3/bucket:Bucket",
  bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketEncryption:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  bucketOwnershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  bucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  stream: "aws:kinesis/stream:Stream",
  streamConsumer: "aws:kinesis/streamConsumer:StreamConsumer",
  queue: "aws:sqs/queue:Queue",
  topic: "aws:sns/topic:Topic",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamPolicy: "aws:iam/policy:Policy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  kmsAlias: "aws:kms/alias:Alias",
  awsxVpc: "awsx:ec2:Vpc",
} as const;

/**
 * Every resource type that accepts `tags` and that this platform creates, directly or through awsx
 * (whose VPC children only the real engine sees). A test checks each entry against the SDK's type
 * declarations, and that every taggable type the environment programs record is listed here.
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set([
  TYPES.lambdaFunction,
  TYPES.eventSourceMapping,
  TYPES.table,
  TYPES.scalingTarget,
  TYPES.bucket,
  TYPES.stream,
  TYPES.streamConsumer,
  TYPES.queue,
  TYPES.topic,
  TYPES.logGroup,
  TYPES.metricAlarm,
  TYPES.role,
  TYPES.iamPolicy,
  TYPES.securityGroup,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/eip:Eip",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:ec2/flowLog:FlowLog",
  "aws:kms/key:Key",
  TYPES.awsxVpc,
]);

export interface NamedType {
  /** How messages refer to the resource, e.g. "Lambda function". */
  readonly label: string;
  /** The input that holds the physical name. */
  readonly field: string;
  /** Fixed text allowed before `{env}-...`, e.g. a log group's `/aws/lambda/`. */
  readonly prefix?: RegExp;
}

/** The resources whose physical names `modules/naming` builds, and where each keeps its name. */
export const NAMED_TYPES: Readonly<Record<string, NamedType>> = {
  [TYPES.bucket]: { label: "S3 bucket", field: "bucket" },
  [TYPES.lambdaFunction]: { label: "Lambda function", field: "name" },
  [TYPES.role]: { label: "IAM role", field: "name" },
  [TYPES.rolePolicy]: { label: "IAM role policy", field: "name" },
  [TYPES.iamPolicy]: { label: "IAM policy", field: "name" },
  [TYPES.table]: { label: "DynamoDB table", field: "name" },
  [TYPES.stream]: { label: "Kinesis stream", field: "name" },
  [TYPES.streamConsumer]: { label: "Kinesis stream consumer", field: "name" },
  [TYPES.queue]: { label: "SQS queue", field: "name" },
  [TYPES.topic]: { label: "SNS topic", field: "name" },
  [TYPES.metricAlarm]: { label: "CloudWatch alarm", field: "name" },
  [TYPES.dashboard]: { label: "CloudWatch dashboard", field: "dashboardName" },
  [TYPES.logGroup]: {
    label: "CloudWatch log group",
    field: "name",
    prefix: /^(\/[A-Za-z0-9_.#-]+)+\/$/,
  },
  [TYPES.securityGroup]: { label: "security group", field: "name" },
  [TYPES.kmsAlias]: { label: "KMS alias", field: "name", prefix: /^alias\/$/ },
};

/** Human labels for the types messages mention. */
export const TYPE_LABELS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(NAMED_TYPES).map(([type, named]) => [type, named.label])),
  [TYPES.eventSourceMapping]: "Event source mapping",
  [TYPES.functionUrl]: "Lambda function URL",
  [TYPES.scalingTarget]: "Auto scaling target",
  [TYPES.scalingPolicy]: "Auto scaling policy",
  [TYPES.bucketVersioning]: "Bucket versioning",
  [TYPES.bucketPublicAccessBlock]: "Bucket public access block",
  [TYPES.bucketPolicy]: "Bucket policy",
  [TYPES.bucketEncryption]: "Bucket encryption configuration",
  [TYPES.bucketOwnershipControls]: "Bucket ownership controls",
  [TYPES.bucketLifecycle]: "Bucket lifecycle configuration",
  [TYPES.userPolicy]: "IAM user policy",
  [TYPES.groupPolicy]: "IAM group policy",
  [TYPES.queuePolicy]: "SQS queue policy",
  [TYPES.topicPolicy]: "SNS topic policy",
  [TYPES.awsxVpc]: "VPC",
};

/** `Lambda function`, or the type token itself for types without a label. */
export function labelOf(type: string): string {
  return TYPE_LABELS[type] ?? type;
}
