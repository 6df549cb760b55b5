import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import { platformRolePath } from "../naming/role-paths";
import type { EnvironmentName } from "../config/settings";
import { standardTags } from "../naming/tags";

/** The log actions flow-log delivery needs on its own log group and streams, and no more. */
export const FLOW_LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "logs:DescribeLogStreams",
] as const;

/**
 * AWS's flow-log IAM role documentation also lists `logs:DescribeLogGroups`, which the Service
 * Authorization Reference authorizes only on `"*"` (it has no resource types): it gets its own
 * statement on `"*"`. https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
 */
export const FLOW_LOG_DISCOVERY_ACTIONS = ["logs:DescribeLogGroups"] as const;

export interface VpcFlowLogsArgs {
  /** The environment the resources belong to, as their `Environment` tag says. */
  readonly environment: EnvironmentName;
  /** The deployment region, e.g. `us-east-1`: service and prefix-list names and ARNs depend on it. */
  readonly region: string;
  /** The VPC whose traffic is recorded. */
  readonly vpcId: pulumi.Input<string>;
  /** The account on whose behalf the flow-logs service may assume the role (`aws:SourceAccount`). */
  readonly accountId: pulumi.Input<string>;
  /**
   * The environment's workload boundary (`workloadBoundaryPolicyArn` in modules/naming), set as the
   * delivery role's permissions boundary: the deploy role may only create roles that carry it.
   */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /**
   * The IAM path of the delivery role: the environment's, or a review stack's.
   * @default - the environment's path, `platformRolePath(environment)`
   */
  readonly rolePath?: string;
  /** Physical name of the log group the records go to. */
  readonly logGroupName: string;
  /** Physical name of the role the flow-logs service assumes to deliver. */
  readonly roleName: string;
  /** Physical name of the role's inline policy. */
  readonly rolePolicyName: string;
  /** How long the records are kept, in days. */
  readonly retentionDays: number;
  /** Seconds over which a flow record is aggregated (60 or 600). @default 60 */
  readonly maxAggregationIntervalSeconds?: 60 | 600;
}

/**
 * Records all VPC traffic (accepted and rejected) into a CloudWatch log group. The delivery role is
 * trusted only by the flow-logs service acting for this account, and may only write to that group.
 */
export class VpcFlowLogs extends pulumi.ComponentResource {
  public readonly logGroupName: pulumi.Output<string>;
  public readonly logGroupArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly flowLogId: pulumi.Output<string>;

  constructor(name: string, args: VpcFlowLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:network:VpcFlowLogs", name, {}, opts);

    const tags = standardTags(args.environment, "vpc");
    const { accountId } = args;

    const logGroup = new aws.cloudwatch.LogGroup(
      name,
      { name: args.logGroupName, retentionInDays: args.retentionDays, tags },
      { parent: this },
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        path: args.rolePath ?? platformRolePath(args.environment),
        description: "Delivers this environment's VPC flow logs to CloudWatch Logs",
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "FlowLogsServiceForThisAccount",
              Effect: "Allow",
              Principal: { Service: "vpc-flow-logs.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: {
                StringEquals: { "aws:SourceAccount": accountId },
                ArnLike: {
                  "aws:SourceArn": pulumi.interpolate`arn:aws:ec2:${args.region}:${accountId}:vpc-flow-log/*`,
                },
              },
            },
          ],
        }),
        permissionsBoundary: args.permissionsBoundaryArn,
        tags,
      },
      { parent: this },
    );

    const delivery = new aws.iam.RolePolicy(
      `${name}-delivery`,
      {
        name: args.rolePolicyName,
        role: role.name,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "WriteFlowLogRecords",
              Effect: "Allow",
              Action: [...FLOW_LOG_DELIVERY_ACTIONS],
              Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:log-stream:*`],
            },
            {
              Sid: "FindLogGroups",
              Effect: "Allow",
              Action: [...FLOW_LOG_DISCOVERY_ACTIONS],
              Resource: "*",
            },
          ],
        }),
      },
      { parent: this },
    );

    const flowLog = new aws.ec2.FlowLog(
      name,
      {
        vpcId: args.vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: logGroup.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: args.maxAggregationIntervalSeconds ?? 60,
        tags,
      },
      // The role must be able to write before the first delivery attempt.
      { parent: this, dependsOn: [delivery] },
    );

    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;
    this.roleArn = role.arn;
    this.flowLogId = flowLog.id;
    this.registerOutputs({
      logGroupName: this.logGroupName,
      logGroupArn: this.logGroupArn,
      roleArn: this.roleArn,
      flowLogId: this.flowLogId,
    });
  }
}
