import { ENVIRONMENT_NAMES, type EnvironmentName } from "../config/settings";
import {
  MOCK_ACCOUNT_ID,
  ResourceRecorder,
  settle,
  valueOf,
} from "../../tests/support/compute/pulumi-recorder";
import { workloadBoundaryPolicyArn } from "../naming/bootstrap-names";
import type { VpcFlowLogs } from "./vpc-flow-logs";

const recorder = new ResourceRecorder();
const built = {} as Record<EnvironmentName, VpcFlowLogs>;

const name = (env: EnvironmentName, service: string) => `${env}-${service}-us-east-1-t1`;
const logGroupName = (env: EnvironmentName) => `/vpc/flow-logs/${name(env, "vpc")}`;
const logGroupArn = (env: EnvironmentName) =>
  `arn:aws:logs:us-east-1:${MOCK_ACCOUNT_ID}:log-group:${logGroupName(env)}`;
const tags = (env: EnvironmentName) => ({
  Environment: env,
  ManagedBy: "pulumi",
  Project: "trading-analytics",
  Service: "vpc",
});

const input = (type: string, logicalName: string): Record<string, unknown> =>
  recorder.one(type, logicalName).inputs;
const json = (value: unknown): unknown => JSON.parse(value as string);

beforeAll(async () => {
  await recorder.install("trading", "network");
  const { VpcFlowLogs: VpcFlowLogsClass } = await import("./vpc-flow-logs");
  for (const env of ENVIRONMENT_NAMES) {
    built[env] = new VpcFlowLogsClass(`${env}-flow-logs`, {
      environment: env,
      region: "us-east-1",
      vpcId: `vpc-${env}`,
      accountId: MOCK_ACCOUNT_ID,
      permissionsBoundaryArn: workloadBoundaryPolicyArn(env, MOCK_ACCOUNT_ID),
      logGroupName: logGroupName(env),
      roleName: name(env, "vpc-flow-logs"),
      rolePolicyName: name(env, "vpc-flow-logs"),
      retentionDays: 90,
    });
  }
  await settle();
});

test("the component asks AWS for nothing: the stack hands it the account and the boundary", () => {
  expect(recorder.invokes).toEqual([]);
});

test.each([
  ["dev", "arn:aws:iam::123456789012:policy/trading-analytics-dev-workload-boundary"],
  ["staging", "arn:aws:iam::123456789012:policy/trading-analytics-staging-workload-boundary"],
  ["production", "arn:aws:iam::123456789012:policy/trading-analytics-production-workload-boundary"],
] as const)(
  "%s: the delivery role, under its environment's IAM path, trusted by the flow-logs service of this account, bounded by %s",
  (env, boundary) => {
    const role = input("aws:iam/role:Role", `${env}-flow-logs-role`);
    expect(role).toEqual({
      name: name(env, "vpc-flow-logs"),
      path: `/trading-analytics/${env}/`,
      description: "Delivers this environment's VPC flow logs to CloudWatch Logs",
      assumeRolePolicy: expect.any(String) as unknown,
      permissionsBoundary: boundary,
      tags: tags(env),
    });
    expect(json(role.assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "FlowLogsServiceForThisAccount",
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnLike: { "aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*" },
          },
        },
      ],
    });
  },
);

describe.each(ENVIRONMENT_NAMES)("%s", (env) => {
  test("the role may write to its own log group and streams only, and look log groups up as AWS documents", () => {
    const policy = input("aws:iam/rolePolicy:RolePolicy", `${env}-flow-logs-delivery`);
    expect(policy).toEqual({
      name: name(env, "vpc-flow-logs"),
      role: name(env, "vpc-flow-logs"),
      policy: expect.any(String) as unknown,
    });
    expect(json(policy.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "WriteFlowLogRecords",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [logGroupArn(env), `${logGroupArn(env)}:log-stream:*`],
        },
        {
          // Authorized only on "*"; AWS's flow-log role documentation lists it.
          Sid: "FindLogGroups",
          Effect: "Allow",
          Action: ["logs:DescribeLogGroups"],
          Resource: "*",
        },
      ],
    });
  });

  test("all traffic into the log group, once the role may write", () => {
    expect(input("aws:cloudwatch/logGroup:LogGroup", `${env}-flow-logs`)).toEqual({
      name: logGroupName(env),
      retentionInDays: 90,
      tags: tags(env),
    });
    const flowLog = recorder.one("aws:ec2/flowLog:FlowLog", `${env}-flow-logs`);
    expect(flowLog.inputs).toEqual({
      vpcId: `vpc-${env}`,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroupArn(env),
      iamRoleArn: `arn:aws:iam::123456789012:role/${name(env, "vpc-flow-logs")}`,
      maxAggregationInterval: 60,
      tags: tags(env),
    });
    expect(flowLog.dependencyUrns).toContain(
      recorder.one("aws:iam/rolePolicy:RolePolicy", `${env}-flow-logs-delivery`).urn,
    );
  });

  test("outputs", async () => {
    expect({
      logGroupName: await valueOf(built[env].logGroupName),
      logGroupArn: await valueOf(built[env].logGroupArn),
      roleArn: await valueOf(built[env].roleArn),
    }).toEqual({
      logGroupName: logGroupName(env),
      logGroupArn: logGroupArn(env),
      roleArn: `arn:aws:iam::123456789012:role/${name(env, "vpc-flow-logs")}`,
    });
  });
});
