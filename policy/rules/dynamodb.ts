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
import { asNumber, asRecord, asString, describeResource, tagsOf } from "../props";
import { TYPES } from "../resource-types";
import { environmentsWhere } from "../settings-text";

export const DYNAMODB_RULES = {
  billing: {
    name: "dynamodb-billing-per-environment",
    summary: `DynamoDB tables use the capacity mode of their environment in ENVIRONMENT_SETTINGS: on-demand with the throughput caps in ${environmentsWhere((settings) => settings.table.capacity.mode === "on-demand")}; provisioned at the base capacity, with capacity changes left to auto scaling, in ${environmentsWhere((settings) => settings.table.capacity.mode === "provisioned")}.`,
    ruleIds: [],
    severity: "medium",
    remediation:
      'Build billingMode, onDemandThroughput or readCapacity/writeCapacity from `settings.table.capacity`; with provisioned capacity add `ignoreChanges: ["readCapacity", "writeCapacity"]`.',
  },
  autoscaling: {
    name: "dynamodb-provisioned-autoscaling",
    summary:
      "Every provisioned DynamoDB table has Application Auto Scaling targets for reads and writes (base to maximum capacity from ENVIRONMENT_SETTINGS) with target-tracking policies at the target utilisation.",
    ruleIds: [],
    severity: "high",
    remediation:
      "Add appautoscaling.Target and appautoscaling.Policy (TargetTrackingScaling, DynamoDBRead/WriteCapacityUtilization) for `table/<name>` and each capacity dimension.",
  },
  pointInTimeRecovery: {
    name: "dynamodb-point-in-time-recovery",
    summary: `DynamoDB tables have point-in-time recovery wherever ENVIRONMENT_SETTINGS asks for it (${environmentsWhere((settings) => settings.table.pointInTimeRecovery)}).`,
    ruleIds: ["CKV_AWS_28", "AwsSolutions-DDB3"],
    severity: "high",
    remediation: "Set `pointInTimeRecovery: { enabled: settings.table.pointInTimeRecovery }`.",
  },
  encryption: {
    name: "dynamodb-encryption",
    summary:
      "DynamoDB tables enable server-side encryption with a KMS key (AWS managed or customer managed) rather than the default AWS owned key.",
    ruleIds: [],
    related: "CKV_AWS_119 additionally requires a customer-managed KMS key",
    severity: "medium",
    remediation: "Set `serverSideEncryption: { enabled: true }`.",
  },
} as const satisfies Record<string, RuleMetadata>;

const DIMENSIONS = [
  {
    dimension: "dynamodb:table:ReadCapacityUnits",
    metric: "DynamoDBReadCapacityUtilization",
    label: "read",
  },
  {
    dimension: "dynamodb:table:WriteCapacityUnits",
    metric: "DynamoDBWriteCapacityUtilization",
    label: "write",
  },
] as const;

export function dynamodbPolicies(context: ContextSource): ResourceValidationPolicy[] {
  return [
    resourcePolicy(
      DYNAMODB_RULES.billing,
      validateResourceOfType(aws.dynamodb.Table, (table, args, report) => {
        const environment = resolveEnvironment(context(), tagsOf(args.props));
        if (environment === undefined) {
          return;
        }
        const capacity = settingsFor(environment).table.capacity;
        const label = describeResource("DynamoDB table", args.name, table.name);
        const billingMode = table.billingMode ?? "PROVISIONED";
        const source = `ENVIRONMENT_SETTINGS.${environment}.table.capacity`;
        if (capacity.mode === "on-demand") {
          if (billingMode !== "PAY_PER_REQUEST") {
            report(
              `${label} has billingMode "${billingMode}"; ${environment} tables are on-demand (${source}): set billingMode: "PAY_PER_REQUEST".`,
            );
            return;
          }
          const read = table.onDemandThroughput?.maxReadRequestUnits;
          const write = table.onDemandThroughput?.maxWriteRequestUnits;
          if (read !== capacity.maxReadRequestUnits || write !== capacity.maxWriteRequestUnits) {
            report(
              `${label} has on-demand throughput caps of ${read ?? "unset"} reads and ${write ?? "unset"} writes per second; ${environment} caps them at ${capacity.maxReadRequestUnits} and ${capacity.maxWriteRequestUnits} (${source}): set onDemandThroughput: { maxReadRequestUnits: ${capacity.maxReadRequestUnits}, maxWriteRequestUnits: ${capacity.maxWriteRequestUnits} }.`,
            );
          }
          return;
        }
        if (billingMode !== "PROVISIONED") {
          report(
            `${label} has billingMode "${billingMode}"; ${environment} tables use provisioned capacity with auto scaling (${source}): set billingMode: "PROVISIONED".`,
          );
          return;
        }
        if (
          table.readCapacity !== capacity.readCapacityUnits ||
          table.writeCapacity !== capacity.writeCapacityUnits
        ) {
          report(
            `${label} starts at ${table.readCapacity ?? "unset"} read and ${table.writeCapacity ?? "unset"} write capacity units; ${environment} starts at ${capacity.readCapacityUnits} and ${capacity.writeCapacityUnits} (${source}): set readCapacity: ${capacity.readCapacityUnits} and writeCapacity: ${capacity.writeCapacityUnits}.`,
          );
        }
        const ignored = args.opts.ignoreChanges ?? [];
        const notIgnored = ["readCapacity", "writeCapacity"].filter(
          (key) => !ignored.includes(key),
        );
        if (notIgnored.length > 0) {
          report(
            `${label} lets every deployment reset ${notIgnored.join(" and ")} that auto scaling changed: add ignoreChanges: ["readCapacity", "writeCapacity"] to its resource options.`,
          );
        }
      }),
    ),
    resourcePolicy(
      DYNAMODB_RULES.pointInTimeRecovery,
      validateResourceOfType(aws.dynamodb.Table, (table, args, report) => {
        const environment = resolveEnvironment(context(), tagsOf(args.props));
        if (environment === undefined || !settingsFor(environment).table.pointInTimeRecovery) {
          return;
        }
        if (table.pointInTimeRecovery?.enabled !== true) {
          report(
            `${describeResource("DynamoDB table", args.name, table.name)} has no point-in-time recovery; ${environment} requires it (ENVIRONMENT_SETTINGS.${environment}.table.pointInTimeRecovery): set pointInTimeRecovery: { enabled: true }.`,
          );
        }
      }),
    ),
    resourcePolicy(
      DYNAMODB_RULES.encryption,
      validateResourceOfType(aws.dynamodb.Table, (table, args, report) => {
        if (table.serverSideEncryption?.enabled !== true) {
          report(
            `${describeResource("DynamoDB table", args.name, table.name)} has no KMS server-side encryption: set serverSideEncryption: { enabled: true }.`,
          );
        }
      }),
    ),
  ];
}

function matching(
  resources: readonly PolicyResource[],
  resourceId: string,
  dimension: string,
): PolicyResource[] {
  return resources.filter((resource) => {
    const props = propsOf(resource);
    return (
      asString(props.serviceNamespace) === "dynamodb" &&
      asString(props.resourceId) === resourceId &&
      asString(props.scalableDimension) === dimension
    );
  });
}

export function dynamodbStackPolicies(context: ContextSource): StackValidationPolicy[] {
  return [
    stackPolicy(DYNAMODB_RULES.autoscaling, (args, report) => {
      const provisioned = ofType(args.resources, TYPES.table).filter(
        (table) => (asString(propsOf(table).billingMode) ?? "PROVISIONED") === "PROVISIONED",
      );
      if (provisioned.length === 0) {
        args.notApplicable("The stack has no provisioned DynamoDB tables");
      }
      const targets = ofType(args.resources, TYPES.scalingTarget);
      const policies = ofType(args.resources, TYPES.scalingPolicy);
      for (const table of provisioned) {
        const props = propsOf(table);
        const tableName = asString(props.name) ?? table.name;
        const label = describeResource("DynamoDB table", table.name, asString(props.name));
        const resourceId = `table/${tableName}`;
        const environment = resolveEnvironment(context(), tagsOf(props));
        const capacity =
          environment === undefined ? undefined : settingsFor(environment).table.capacity;
        const expected = capacity?.mode === "provisioned" ? capacity : undefined;
        for (const { dimension, metric, label: direction } of DIMENSIONS) {
          const [target] = matching(targets, resourceId, dimension);
          if (target === undefined) {
            report(
              `${label} has provisioned capacity but no auto scaling target for ${dimension} (resourceId "${resourceId}"): add an appautoscaling.Target for its ${direction} capacity.`,
              table.urn,
            );
            continue;
          }
          const targetProps = propsOf(target);
          const base =
            direction === "read" ? expected?.readCapacityUnits : expected?.writeCapacityUnits;
          const max =
            direction === "read" ? expected?.maxReadCapacityUnits : expected?.maxWriteCapacityUnits;
          const min = asNumber(targetProps.minCapacity);
          const maxCapacity = asNumber(targetProps.maxCapacity);
          if (base !== undefined && max !== undefined && (min !== base || maxCapacity !== max)) {
            report(
              `Auto scaling target "${target.name}" scales ${label} ${direction}s between ${min ?? "unset"} and ${maxCapacity ?? "unset"} units; ${environment} scales between ${base} and ${max} (ENVIRONMENT_SETTINGS.${environment}.table.capacity): set minCapacity: ${base} and maxCapacity: ${max}.`,
              target.urn,
            );
          }
          const tracking = matching(policies, resourceId, dimension).filter((policy) => {
            const policyProps = propsOf(policy);
            const configuration = asRecord(policyProps.targetTrackingScalingPolicyConfiguration);
            const predefined = asRecord(configuration?.predefinedMetricSpecification);
            return (
              asString(policyProps.policyType) === "TargetTrackingScaling" &&
              asString(predefined?.predefinedMetricType) === metric
            );
          });
          const [policy] = tracking;
          if (policy === undefined) {
            report(
              `${label} has no target-tracking policy on ${metric} for its ${direction} capacity: add an appautoscaling.Policy (policyType "TargetTrackingScaling") for resourceId "${resourceId}" and ${dimension}.`,
              table.urn,
            );
            continue;
          }
          const targetValue = asNumber(
            asRecord(propsOf(policy).targetTrackingScalingPolicyConfiguration)?.targetValue,
          );
          if (expected !== undefined && targetValue !== expected.targetUtilizationPercent) {
            report(
              `Auto scaling policy "${policy.name}" tracks ${targetValue ?? "no"} percent ${direction} utilisation of ${label}; ${environment} targets ${expected.targetUtilizationPercent} percent (ENVIRONMENT_SETTINGS.${environment}.table.capacity.targetUtilizationPercent): set targetValue: ${expected.targetUtilizationPercent}.`,
              policy.urn,
            );
          }
        }
      }
    }),
  ];
}
