import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import { allow } from "./iam";
import { MarketFunction, type MarketFunctionArgs } from "./market-function";

/**
 * What the API's code calls on the table: a range query per symbol for `/bars`, and a reverse
 * query with limit 1 per symbol for `/latest`. Nothing else, so the role cannot write or scan.
 */
export const API_TABLE_ACTIONS = ["dynamodb:Query"] as const;

export interface AnalyticsApiArgs extends Omit<
  MarketFunctionArgs,
  "description" | "timeoutSeconds" | "reservedConcurrency" | "environmentVariables" | "dataAccess"
> {
  /** The bars table, read with {@link API_TABLE_ACTIONS} only. */
  readonly tableArn: pulumi.Input<string>;
  readonly tableName: pulumi.Input<string>;
}

/**
 * The analytics API: a function behind a Function URL with IAM auth (callers sign with SigV4 and
 * need `lambda:InvokeFunctionUrl`), read-only access to the bars table, and a p99 latency alarm.
 */
export class AnalyticsApi extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly alarmArns: pulumi.Output<string>[];
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: AnalyticsApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:compute:AnalyticsApi", name, {}, opts);
    const { tableArn, tableName, ...common } = args;
    const { settings } = args;

    const fn = new MarketFunction(
      name,
      {
        ...common,
        description: "Answers bar queries from the analytics table over a Function URL",
        timeoutSeconds: settings.lambda.apiTimeoutSeconds,
        reservedConcurrency: settings.lambda.apiReservedConcurrency,
        environmentVariables: { TABLE_NAME: tableName },
        dataAccess: [allow("ReadBars", API_TABLE_ACTIONS, tableArn)],
      },
      { parent: this },
    );

    // No CORS: callers are signed server-side clients, never browsers.
    const url = new aws.lambda.FunctionUrl(
      `${name}-url`,
      {
        functionName: fn.functionName,
        authorizationType: "AWS_IAM",
        invokeMode: "BUFFERED",
      },
      { parent: this },
    );

    this.functionName = fn.functionName;
    this.functionArn = fn.functionArn;
    this.roleArn = fn.roleArn;
    this.logGroupName = fn.logGroupName;
    this.alarmArns = fn.alarmArns;
    this.url = url.functionUrl;
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      logGroupName: this.logGroupName,
      alarmArns: this.alarmArns,
      url: this.url,
    });
  }
}
