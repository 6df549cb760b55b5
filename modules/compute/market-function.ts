import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentSettings } from "../config/settings";
import { createMetricAlarm, type AlarmRouting } from "../monitoring/metric-alarm";
import type { Namer } from "../naming/physical-name";
import { standardTags } from "../naming/tags";
import {
  ERRORS_ALARM,
  functionAlarmSpec,
  THROTTLES_ALARM,
  type FunctionAlarmDefinition,
  type PlannedAlarm,
} from "./alarms";
import {
  lambdaTrustPolicy,
  policyDocument,
  vpcNetworkInterfaceStatement,
  writeLogsStatement,
  xrayWriteStatement,
  type PolicyStatement,
} from "./iam";
import { platformRolePath } from "../naming/role-paths";
import {
  APPLICATION_LOG_LEVEL,
  functionBundlePath,
  LAMBDA_ARCHITECTURE,
  LAMBDA_HANDLER,
  LAMBDA_RUNTIME,
  METRICS_NAMESPACE,
  SYSTEM_LOG_LEVEL,
  type FunctionService,
} from "./runtime";

/**
 * Every physical name of one function and what it owns, built (and so validated) up front. Names
 * are unique within the environment: the role is `<service>-role`, not the function's own name.
 */
export interface FunctionPlan {
  readonly service: FunctionService;
  readonly functionName: string;
  readonly roleName: string;
  readonly policyName: string;
  /** `/aws/lambda/<function name>`, the name Lambda itself would use. */
  readonly logGroupName: string;
  /** Errors and throttles for every function, then the function's own alarms. */
  readonly alarms: readonly PlannedAlarm[];
}

/** Names one function's resources; throws, naming the culprit, on any name AWS would reject. */
export function planFunction(
  namer: Namer,
  service: FunctionService,
  additionalAlarms: readonly FunctionAlarmDefinition[] = [],
): FunctionPlan {
  return {
    service,
    functionName: namer("lambda-function", service),
    roleName: namer("iam-role", `${service}-role`),
    // The inline policy is named after its role; IAM scopes inline policy names to the role.
    policyName: namer("iam-policy", `${service}-role`),
    logGroupName: namer("log-group", service, { prefix: "/aws/lambda/" }),
    alarms: [ERRORS_ALARM, THROTTLES_ALARM, ...additionalAlarms].map((definition) => ({
      alarmName: namer("cloudwatch-alarm", `${service}-${definition.id}`),
      definition,
    })),
  };
}

/**
 * The variables every function gets. Function-specific variables may not redefine them, so a
 * function can never log or emit metrics under another service's name.
 */
export function commonEnvironmentVariables(
  service: FunctionService,
  settings: EnvironmentSettings,
): Record<string, string> {
  return {
    ENVIRONMENT: settings.name,
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: APPLICATION_LOG_LEVEL,
  };
}

export interface MarketFunctionArgs {
  /** The function's physical names and alarms (`planFunction`); its service picks the bundle and tags. */
  readonly plan: FunctionPlan;
  /** One line shown in the console. */
  readonly description: string;
  readonly settings: EnvironmentSettings;
  /** The account on whose behalf Lambda may assume the role (`aws:SourceAccount`). */
  readonly accountId: pulumi.Input<string>;
  /**
   * The environment's workload boundary (`workloadBoundaryPolicyArn` in modules/naming), set as the
   * role's permissions boundary. The deploy role may only create roles that carry it, and it caps
   * what the role can ever be granted to this environment's resources.
   */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /**
   * The IAM path of the execution role: the environment's, or for a review stack the review path
   * (`reviewStackRolePath`); the pipeline roles may create roles under their own path only.
   * @default - the environment's path, `platformRolePath(settings.name)`
   */
  readonly rolePath?: string;
  readonly timeoutSeconds: number;
  /** Reserved concurrency: both a guarantee and a cap, so a runaway function cannot starve the others. */
  readonly reservedConcurrency: number;
  /** The function's own variables; the common ones (`ENVIRONMENT`, `POWERTOOLS_*`) are added here. */
  readonly environmentVariables: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * The function's data access, exact actions on exact resources. Its log statement and the two
   * documented `"*"` statements (VPC network interfaces, X-Ray) are added here.
   */
  readonly dataAccess: readonly PolicyStatement[];
  /** The VPC's private subnets (no NAT: DynamoDB and S3 through gateway endpoints). */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The functions' security group. */
  readonly securityGroupId: pulumi.Input<string>;
  /** The environment's alarm topic and whether alarms notify it. */
  readonly alarmRouting: AlarmRouting;
}

/**
 * One Lambda function with everything it owns: its execution role and inline policy, its log group
 * with the environment's retention, and its alarms.
 */
export class MarketFunction extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly alarmArns: pulumi.Output<string>[];
  /** The role's policy: an event source mapping must wait for it, as Lambda checks the role's stream access on creation. */
  public readonly policy: aws.iam.RolePolicy;

  constructor(name: string, args: MarketFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:compute:MarketFunction", name, {}, opts);
    const { plan, settings } = args;
    const { service } = plan;

    const common = commonEnvironmentVariables(service, settings);
    const clashes = Object.keys(args.environmentVariables).filter((key) => key in common);
    if (clashes.length > 0) {
      throw new Error(
        `Environment variable ${clashes.join(", ")} of ${service} is set for every function by MarketFunction: remove it from environmentVariables.`,
      );
    }
    const tags = standardTags(settings.name, service);

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: plan.logGroupName, retentionInDays: settings.logRetentionDays, tags },
      { parent: this },
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: plan.roleName,
        path: args.rolePath ?? platformRolePath(settings.name),
        description: `Execution role of ${service} in ${settings.name}`,
        assumeRolePolicy: pulumi.jsonStringify(lambdaTrustPolicy(args.accountId)),
        permissionsBoundary: args.permissionsBoundaryArn,
        tags,
      },
      { parent: this },
    );

    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        name: plan.policyName,
        role: role.name,
        policy: pulumi.jsonStringify(
          policyDocument([
            writeLogsStatement(logGroup.arn),
            vpcNetworkInterfaceStatement(),
            xrayWriteStatement(),
            ...args.dataAccess,
          ]),
        ),
      },
      { parent: this },
    );

    // The policy comes first: creating a function in a VPC fails unless the role may create network interfaces.
    const lambda = new aws.lambda.Function(
      `${name}-function`,
      {
        name: plan.functionName,
        description: args.description,
        role: role.arn,
        runtime: LAMBDA_RUNTIME,
        architectures: [LAMBDA_ARCHITECTURE],
        handler: LAMBDA_HANDLER,
        code: new pulumi.asset.FileArchive(functionBundlePath(service)),
        memorySize: settings.lambda.memoryMb,
        timeout: args.timeoutSeconds,
        reservedConcurrentExecutions: args.reservedConcurrency,
        vpcConfig: {
          subnetIds: args.privateSubnetIds,
          securityGroupIds: [args.securityGroupId],
        },
        tracingConfig: { mode: "Active" },
        loggingConfig: {
          logFormat: "JSON",
          logGroup: logGroup.name,
          applicationLogLevel: APPLICATION_LOG_LEVEL,
          systemLogLevel: SYSTEM_LOG_LEVEL,
        },
        environment: { variables: { ...args.environmentVariables, ...common } },
        tags,
      },
      { parent: this, dependsOn: [logGroup, policy] },
    );

    const alarms = plan.alarms.map((alarm) =>
      createMetricAlarm(
        `${name}-${alarm.definition.id}`,
        args.alarmRouting,
        functionAlarmSpec(alarm, service, lambda.name, settings),
        { parent: this },
      ),
    );

    this.policy = policy;
    this.functionName = lambda.name;
    this.functionArn = lambda.arn;
    this.roleArn = role.arn;
    this.logGroupName = logGroup.name;
    this.alarmArns = alarms.map((alarm) => alarm.arn);
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      logGroupName: this.logGroupName,
      alarmArns: this.alarmArns,
    });
  }
}
