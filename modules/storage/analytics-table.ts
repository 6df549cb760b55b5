import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName, TableCapacity } from "../config/settings";
import { standardTags } from "../naming/tags";

/** Partition key (string). */
export const TABLE_PARTITION_KEY = "pk";
/** Sort key (string). */
export const TABLE_SORT_KEY = "sk";
/** TTL attribute, in epoch seconds. */
export const TABLE_TTL_ATTRIBUTE = "expiresAt";

const SCALED_DIMENSIONS = [
  { key: "read", unit: "Read" },
  { key: "write", unit: "Write" },
] as const;

export interface AnalyticsTableArgs {
  /** The environment the resources belong to, as their `Environment` tag says. */
  readonly environment: EnvironmentName;
  /** Physical name of the table. */
  readonly tableName: string;
  /** On-demand with throughput caps, or provisioned with auto scaling. */
  readonly capacity: TableCapacity;
  /** Continuous backups for restoring to any second of the last 35 days. */
  readonly pointInTimeRecovery: boolean;
  /** Physical names of the read and write target-tracking policies (provisioned mode only). */
  readonly scalingPolicyNames: { readonly read: string; readonly write: string };
}

/**
 * The bars table: `pk`/`sk` string keys, TTL on `expiresAt`, encrypted at rest, never deletion
 * protected (every environment must be destroyable). In provisioned mode, Application Auto Scaling
 * owns the capacity after creation, so the table ignores later changes to it.
 */
export class AnalyticsTable extends pulumi.ComponentResource {
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;

  constructor(name: string, args: AnalyticsTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:storage:AnalyticsTable", name, {}, opts);

    const tags = standardTags(args.environment, "market-analytics");
    const capacity = args.capacity;
    const table = new aws.dynamodb.Table(
      name,
      {
        name: args.tableName,
        hashKey: TABLE_PARTITION_KEY,
        rangeKey: TABLE_SORT_KEY,
        attributes: [
          { name: TABLE_PARTITION_KEY, type: "S" },
          { name: TABLE_SORT_KEY, type: "S" },
        ],
        ttl: { attributeName: TABLE_TTL_ATTRIBUTE, enabled: true },
        serverSideEncryption: { enabled: true },
        pointInTimeRecovery: { enabled: args.pointInTimeRecovery },
        deletionProtectionEnabled: false,
        ...(capacity.mode === "on-demand"
          ? {
              billingMode: "PAY_PER_REQUEST",
              onDemandThroughput: {
                maxReadRequestUnits: capacity.maxReadRequestUnits,
                maxWriteRequestUnits: capacity.maxWriteRequestUnits,
              },
            }
          : {
              billingMode: "PROVISIONED",
              readCapacity: capacity.readCapacityUnits,
              writeCapacity: capacity.writeCapacityUnits,
            }),
        tags,
      },
      {
        parent: this,
        ignoreChanges: capacity.mode === "provisioned" ? ["readCapacity", "writeCapacity"] : [],
      },
    );

    if (capacity.mode === "provisioned") {
      const limits = {
        read: { min: capacity.readCapacityUnits, max: capacity.maxReadCapacityUnits },
        write: { min: capacity.writeCapacityUnits, max: capacity.maxWriteCapacityUnits },
      };
      for (const { key, unit } of SCALED_DIMENSIONS) {
        // The service-linked role AWSServiceRoleForApplicationAutoScaling_DynamoDBTable does the scaling.
        const target = new aws.appautoscaling.Target(
          `${name}-${key}-target`,
          {
            serviceNamespace: "dynamodb",
            resourceId: pulumi.interpolate`table/${table.name}`,
            scalableDimension: `dynamodb:table:${unit}CapacityUnits`,
            minCapacity: limits[key].min,
            maxCapacity: limits[key].max,
            tags,
          },
          { parent: this },
        );
        new aws.appautoscaling.Policy(
          `${name}-${key}-policy`,
          {
            name: args.scalingPolicyNames[key],
            policyType: "TargetTrackingScaling",
            serviceNamespace: target.serviceNamespace,
            resourceId: target.resourceId,
            scalableDimension: target.scalableDimension,
            targetTrackingScalingPolicyConfiguration: {
              predefinedMetricSpecification: {
                predefinedMetricType: `DynamoDB${unit}CapacityUtilization`,
              },
              targetValue: capacity.targetUtilizationPercent,
            },
          },
          { parent: this },
        );
      }
    }

    this.tableName = table.name;
    this.tableArn = table.arn;
    this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn });
  }
}
