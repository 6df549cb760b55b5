import { platformRolePath, reviewStackRolePath } from "../../modules/naming/role-paths";
import { REVIEW_SUFFIX_PREFIX } from "../../modules/config/review-stack";
import { planDashboardName } from "../../modules/monitoring/dashboard-body";
import { namerFor } from "../../modules/naming/physical-name";
import { planPlatformNames } from "../../modules/stack/platform-names";
import { isReviewScope, regionalArn, type PermissionScope } from "./policy-types";

/**
 * Stands in for the deployment's environmentSuffix while the names are planned; it is the last part
 * of every physical name, and is replaced by `*` (the bootstrap does not know, and should not
 * depend on, the suffix an operator picks).
 */
const SUFFIX_PLACEHOLDER = "x";

/**
 * The ARN patterns of one environment's resources, built from the platform's own physical names
 * (`planPlatformNames`, modules/naming): `<env>-<service>-<region>-*` per service, so a resource
 * that merely starts with `<env>-` (`dev-admin`, `dev-scratch`) matches none of them. For the review
 * stacks, `<env>-<service>-<region>-pr*`: the suffix `pr<N>` is theirs alone (modules/config refuses
 * it for the environment's own stack), so the environment's own resources match none of them.
 */
export interface PlatformResources {
  /**
   * `role/trading-analytics/<env>/*`: every role the platform creates, by IAM path; for the review
   * stacks `role/trading-analytics/<env>-review/*`.
   */
  readonly roles: string;
  readonly functions: {
    readonly all: readonly string[];
    /** The two stream consumers, which the event source mappings invoke. */
    readonly streamConsumers: readonly string[];
    /** The analytics API, which the smoke check calls through its Function URL. */
    readonly analyticsApi: string;
  };
  /** The functions' log groups and, where flow logs are recorded, the flow-log group. */
  readonly logGroups: readonly string[];
  readonly table: string;
  readonly bucket: string;
  readonly bucketObjects: string;
  readonly stream: string;
  readonly streamConsumer: string;
  readonly queues: readonly string[];
  readonly topic: string;
  /** The platform's alarms and, where the table is provisioned, Auto Scaling's target-tracking alarms. */
  readonly alarms: readonly string[];
  /** The environment's CloudWatch dashboard; dashboard ARNs name no region. */
  readonly dashboard: string;
}

export function platformResources(scope: PermissionScope): PlatformResources {
  const { environment, region, settings } = scope;
  const review = isReviewScope(scope);
  const namer = namerFor({ environment, region, suffix: SUFFIX_PLACEHOLDER });
  const names = planPlatformNames(namer);
  const suffixPattern = review ? `${REVIEW_SUFFIX_PREFIX}*` : "*";
  const pattern = (name: string): string => {
    if (!name.endsWith(`-${SUFFIX_PLACEHOLDER}`)) {
      throw new Error(
        `Physical name "${name}" does not end with the environmentSuffix: the pipeline's ARN patterns assume every name does.`,
      );
    }
    return `${name.slice(0, -SUFFIX_PLACEHOLDER.length)}${suffixPattern}`;
  };
  const arn = (service: string, resource: string) => regionalArn(scope, service, resource);
  const { processor, archiver, api } = names.functions;
  const fn = (name: string) => arn("lambda", `function:${pattern(name)}`);
  const logGroup = (name: string) => arn("logs", `log-group:${pattern(name)}`);
  const stream = arn("kinesis", `stream/${pattern(names.stream)}`);
  const provisioned = settings.table.capacity.mode === "provisioned";
  const functionAlarms = [processor, archiver, api].flatMap((plan) =>
    plan.alarms.map((alarm) => alarm.alarmName),
  );
  return {
    roles: `arn:aws:iam::${scope.accountId}:role${review ? reviewStackRolePath(environment) : platformRolePath(environment)}*`,
    functions: {
      all: [processor, archiver, api].map((plan) => fn(plan.functionName)),
      streamConsumers: [processor, archiver].map((plan) => fn(plan.functionName)),
      analyticsApi: fn(api.functionName),
    },
    logGroups: [
      ...[processor, archiver, api].map((plan) => logGroup(plan.logGroupName)),
      ...(settings.network.flowLogs ? [logGroup(names.flowLogs.logGroup)] : []),
    ],
    table: arn("dynamodb", `table/${pattern(names.table)}`),
    bucket: `arn:aws:s3:::${pattern(names.bucket)}`,
    bucketObjects: `arn:aws:s3:::${pattern(names.bucket)}/*`,
    stream,
    streamConsumer: `${stream}/consumer/${pattern(names.functions.processorConsumerName)}`,
    queues: Object.values(names.deadLetterQueues).map((name) => arn("sqs", pattern(name))),
    topic: arn("sns", pattern(names.alarmTopic)),
    alarms: [
      ...[
        names.alarms.tableReadThrottles,
        names.alarms.tableWriteThrottles,
        ...Object.values(names.alarms.deadLetterQueueDepth),
        ...functionAlarms,
      ].map((name) => arn("cloudwatch", `alarm:${pattern(name)}`)),
      ...(provisioned
        ? [arn("cloudwatch", `alarm:TargetTracking-table/${pattern(names.table)}`)]
        : []),
    ],
    dashboard: `arn:aws:cloudwatch::${scope.accountId}:dashboard/${pattern(planDashboardName(namer))}`,
  };
}
