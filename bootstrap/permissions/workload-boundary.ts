import { VPC_NETWORK_INTERFACE_ACTIONS, XRAY_WRITE_ACTIONS } from "../../modules/compute/iam";
import { FLOW_LOG_DISCOVERY_ACTIONS } from "../../modules/network/vpc-flow-logs";
import { platformResources } from "./platform-resources";
import type { PermissionScope, PolicyDocument } from "./policy-types";

/**
 * The permissions boundary of every role the deploy role creates (the functions' execution roles
 * and the flow-log delivery role): the most those roles could ever be granted, all in this
 * environment. Their own inline policies stay narrower; the boundary only caps them.
 */
export function workloadBoundaryPolicy(scope: PermissionScope): PolicyDocument {
  const resources = platformResources(scope);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [...resources.logGroups],
      },
      {
        Sid: "ReadOwnStream",
        Effect: "Allow",
        Action: [
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:ListShards",
        ],
        Resource: resources.stream,
      },
      {
        Sid: "ReadThroughOwnConsumer",
        Effect: "Allow",
        Action: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
        Resource: `${resources.streamConsumer}:*`,
      },
      {
        Sid: "ReadWriteOwnTables",
        Effect: "Allow",
        Action: [
          "dynamodb:DescribeTable",
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:Query",
          "dynamodb:PutItem",
          "dynamodb:DeleteItem",
          "dynamodb:UpdateItem",
          "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem",
        ],
        Resource: [resources.table, `${resources.table}/index/*`],
      },
      {
        Sid: "WriteOwnArchive",
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: resources.bucketObjects,
      },
      {
        Sid: "SendToOwnQueues",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [...resources.queues],
      },
      {
        // Lambda creates and removes a function's VPC network interfaces with its execution role;
        // AWS only authorizes these on "*" (the interfaces do not exist yet).
        Sid: "VpcNetworkInterfaces",
        Effect: "Allow",
        Action: [...VPC_NETWORK_INTERFACE_ACTIONS],
        Resource: "*",
      },
      {
        // Active tracing; X-Ray has no resource types.
        Sid: "WriteTraces",
        Effect: "Allow",
        Action: [...XRAY_WRITE_ACTIONS],
        Resource: "*",
      },
      {
        // Flow-log delivery looks its log group up; authorized only on "*".
        Sid: "FindLogGroups",
        Effect: "Allow",
        Action: [...FLOW_LOG_DISCOVERY_ACTIONS],
        Resource: "*",
      },
    ],
  };
}
