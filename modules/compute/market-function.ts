import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentSettings } from "../config/settings";
import type { Namer } from "../naming/physical-name";
import { standardTags } from "../naming/tags";
import {
  createFunctionAlarm,
  ERRORS_ALARM,
  THROTTLES_ALARM,
  type FunctionAlarmDefinition,
} from "./alarms";
import {
  lambdaTrustPolicy,
  policyDocument,
  vpcNetworkInterfaceStatement,
  writeLogsStatement,
  xrayWriteStatement,
  type PolicyStatement,
} from "./iam";
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
  /** Which function; its physical names, tags, bundle (`dist/functions/<service>`) and Powertools service name follow. */
  readonly service: FunctionService;
  /** One line shown in the console. */
  readonly description: string;
  readonly settings: EnvironmentSettings;
  /** Builds this deployment's physical names. */
  readonly namer: Namer;
  /** The account on whose behalf Lambda may assume the role (`aws:SourceAccount`). */
  readonly accountId: pulumi.Input<string>;
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
  readonly alarmTopicArn: pulumi.Input<string>;
  /** Alarms on this function besides errors and throttles, which every function gets. @default - none */
  readonly additionalAlarms?: readonly FunctionAlarmDefinition[];
  /** Tags besides the standard ones, which they cannot override. @default - the standard tags only */
  readonly additionalTags?: Readonly<Record<string, string>>;
}

/**
 * One Lambda function with everything it owns: its execution role and inline policy, its log group
 * with the environment's retention, and its error and throttle alarms.
 */
export class MarketFunction extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly alarmNames: pulumi.Output<string>[];
  /** The function, for resources that attach to it (event source mappings, the Function URL). */
  public readonly lambda: aws.lambda.Function;
  /** The role's policy: an event source mapping must wait for it, as Lambda checks the role's stream access on creation. */
  public readonly policy: aws.iam.RolePolicy;

  constructor(name: string, args: MarketFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:compute:MarketFunction", name, {}, opts);
    const { service, settings, namer } = args;

    const common = commonEnvironmentVariables(service, settings);
    const clashes = Object.keys(args.environmentVariables).filter((key) => key in common);
    if (clashes.length > 0) {
      throw new Error(
        `Environment variable ${clashes.join(", ")} of ${service} is set for every function by MarketFunction: remove it from environmentVariables.`,
      );
    }
    const tags = { ...args.additionalTags, ...standardTags(settings.name, service) };

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: namer("log-group", service, { prefix: "/aws/lambda/" }),
        retentionInDays: settings.logRetentionDays,
        tags,
      },
      { parent: this },
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: namer("iam-role", service),
        description: `Execution role of ${service} in ${settings.name}`,
        assumeRolePolicy: pulumi.jsonStringify(lambdaTrustPolicy(args.accountId)),
        tags,
      },
      { parent: this },
    );

    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        name: namer("iam-policy", service),
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
        name: namer("lambda-function", service),
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

    const alarmTarget = {
      service,
      namer,
      functionName: lambda.name,
      alarmTopicArn: args.alarmTopicArn,
      actionsEnabled: settings.alarmsNotify,
      tags,
    };
    const alarms = [ERRORS_ALARM, THROTTLES_ALARM, ...(args.additionalAlarms ?? [])].map(
      (definition) =>
        createFunctionAlarm(`${name}-${definition.id}`, definition, alarmTarget, { parent: this }),
    );

    this.lambda = lambda;
    this.policy = policy;
    this.functionName = lambda.name;
    this.functionArn = lambda.arn;
    this.roleArn = role.arn;
    this.logGroupName = logGroup.name;
    this.alarmNames = alarms.map((alarm) => alarm.name);
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      logGroupName: this.logGroupName,
      alarmNames: this.alarmNames,
    });
  }
}
