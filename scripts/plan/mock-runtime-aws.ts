import { createHash } from "node:crypto";

import type * as pulumi from "@pulumi/pulumi";

/**
 * The AWS side of the mock runtime (`mock-runtime.ts`): realistic ids, ARNs and computed values for
 * the resource types this platform registers, and answers to the data-source calls (invokes) it
 * makes, in account 123456789012, us-east-1.
 */

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "us-east-1";

/** The AWS-managed prefix lists of the gateway-endpoint services in us-east-1. */
export const MOCK_PREFIX_LISTS: Readonly<
  Record<string, { readonly id: string; readonly cidrBlocks: readonly string[] }>
> = {
  "com.amazonaws.us-east-1.s3": {
    id: "pl-63a5400a",
    cidrBlocks: ["16.15.176.0/20", "16.182.0.0/16", "3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16"],
  },
  "com.amazonaws.us-east-1.dynamodb": {
    id: "pl-02cd2c6b",
    cidrBlocks: ["3.218.180.0/22", "3.218.184.0/22", "52.94.0.0/22", "52.119.224.0/20"],
  },
};

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function regionalArn(service: string, resource: string): string {
  return `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;
}

function stringInput(inputs: Record<string, unknown>, key: string, fallback: string): string {
  const value = inputs[key];
  return typeof value === "string" && value !== "" ? value : fallback;
}

function subnetTypes(inputs: Record<string, unknown>): string[] {
  const specs = inputs.subnetSpecs;
  if (!Array.isArray(specs)) {
    return ["Private", "Public"];
  }
  return specs.map((spec: unknown) =>
    typeof spec === "object" &&
    spec !== null &&
    typeof (spec as { type?: unknown }).type === "string"
      ? (spec as { type: string }).type
      : "Private",
  );
}

/** Realistic computed values for the resource types this platform uses. */
export function mockState(args: pulumi.runtime.MockResourceArgs): {
  id: string;
  state: Record<string, unknown>;
} {
  const inputs = args.inputs as Record<string, unknown>;
  const seed = `${args.type}::${args.name}`;
  const named = stringInput(inputs, "name", `${args.name}-${hex(seed, 7)}`);
  const computed = (id: string, state: Record<string, unknown> = {}) => ({
    id,
    state: { ...inputs, ...state },
  });

  switch (args.type) {
    case "awsx:ec2:Vpc": {
      const zones =
        typeof inputs.numberOfAvailabilityZones === "number" ? inputs.numberOfAvailabilityZones : 3;
      const vpcId = `vpc-${hex(seed, 17)}`;
      const ids = (kind: string) =>
        subnetTypes(inputs).includes(kind)
          ? Array.from({ length: zones }, (_, i) => `subnet-${hex(`${seed}::${kind}::${i}`, 17)}`)
          : [];
      return computed("", {
        vpcId,
        privateSubnetIds: ids("Private"),
        publicSubnetIds: ids("Public"),
        isolatedSubnetIds: ids("Isolated"),
      });
    }
    case "aws:s3/bucket:Bucket": {
      const bucket = stringInput(inputs, "bucket", `${args.name}-${hex(seed, 7)}`);
      return computed(bucket, {
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.${MOCK_REGION}.amazonaws.com`,
        region: MOCK_REGION,
      });
    }
    case "aws:dynamodb/table:Table":
      return computed(named, { name: named, arn: regionalArn("dynamodb", `table/${named}`) });
    case "aws:kinesis/stream:Stream": {
      const arn = regionalArn("kinesis", `stream/${named}`);
      return computed(arn, { name: named, arn });
    }
    case "aws:kinesis/streamConsumer:StreamConsumer": {
      const arn = `${stringInput(inputs, "streamArn", regionalArn("kinesis", "stream/unknown"))}/consumer/${named}:1700000000`;
      return computed(arn, { name: named, arn });
    }
    case "aws:sqs/queue:Queue": {
      const url = `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT_ID}/${named}`;
      return computed(url, { name: named, url, arn: regionalArn("sqs", named) });
    }
    case "aws:sns/topic:Topic": {
      const arn = regionalArn("sns", named);
      return computed(arn, { name: named, arn });
    }
    case "aws:cloudwatch/logGroup:LogGroup":
      return computed(named, { name: named, arn: regionalArn("logs", `log-group:${named}`) });
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return computed(named, { name: named, arn: regionalArn("cloudwatch", `alarm:${named}`) });
    case "aws:iam/role:Role":
      return computed(named, {
        name: named,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${named}`,
        uniqueId: `AROA${hex(seed, 17).toUpperCase()}`,
      });
    case "aws:iam/policy:Policy":
      return computed(named, {
        name: named,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${named}`,
      });
    case "aws:iam/rolePolicy:RolePolicy":
      return computed(`${stringInput(inputs, "role", "role")}:${named}`, { name: named });
    case "aws:ec2/securityGroup:SecurityGroup": {
      const id = `sg-${hex(seed, 17)}`;
      return computed(id, { name: named, arn: regionalArn("ec2", `security-group/${id}`) });
    }
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
      const id = `sgr-${hex(seed, 17)}`;
      return computed(id, {
        securityGroupRuleId: id,
        arn: regionalArn("ec2", `security-group-rule/${id}`),
      });
    }
    case "aws:ec2/flowLog:FlowLog": {
      const id = `fl-${hex(seed, 17)}`;
      return computed(id, { arn: regionalArn("ec2", `vpc-flow-log/${id}`) });
    }
    case "aws:appautoscaling/target:Target":
      return computed(stringInput(inputs, "resourceId", named), {
        arn: regionalArn("application-autoscaling", `scalable-target/${hex(seed, 32)}`),
      });
    case "aws:appautoscaling/policy:Policy":
      return computed(named, {
        name: named,
        arn: regionalArn(
          "autoscaling",
          `scalingPolicy:${uuid(seed)}:resource/dynamodb/${stringInput(inputs, "resourceId", "table/unknown")}:policyName/${named}`,
        ),
      });
    case "aws:lambda/function:Function": {
      const arn = regionalArn("lambda", `function:${named}`);
      return computed(named, {
        name: named,
        arn,
        qualifiedArn: `${arn}:$LATEST`,
        invokeArn: `arn:aws:apigateway:${MOCK_REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        version: "$LATEST",
      });
    }
    case "aws:lambda/functionUrl:FunctionUrl": {
      const urlId = hex(seed, 32);
      return computed(urlId, {
        urlId,
        functionUrl: `https://${urlId}.lambda-url.${MOCK_REGION}.on.aws/`,
        functionArn: regionalArn(
          "lambda",
          `function:${stringInput(inputs, "functionName", "unknown")}`,
        ),
      });
    }
    case "aws:lambda/eventSourceMapping:EventSourceMapping": {
      const id = uuid(seed);
      return computed(id, { uuid: id, arn: regionalArn("lambda", `event-source-mapping:${id}`) });
    }
    case "aws:kms/key:Key": {
      const keyId = uuid(seed);
      return computed(keyId, { keyId, arn: regionalArn("kms", `key/${keyId}`) });
    }
    case "aws:kms/alias:Alias":
      return computed(named, { name: named, arn: regionalArn("kms", named) });
    default:
      return computed(args.custom === false ? "" : `${args.name}-${hex(seed, 8)}`);
  }
}

export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.token) {
    case "aws:index/getRegion:getRegion":
      return {
        id: MOCK_REGION,
        name: MOCK_REGION,
        region: MOCK_REGION,
        description: "US East (N. Virginia)",
        endpoint: `ec2.${MOCK_REGION}.amazonaws.com`,
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        id: MOCK_ACCOUNT_ID,
        accountId: MOCK_ACCOUNT_ID,
        arn: `arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/deploy/pulumi`,
        userId: "AROAMOCKDEPLOYROLE:pulumi",
      };
    case "aws:index/getPartition:getPartition":
      return {
        id: "aws",
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
      };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const names = ["a", "b", "c", "d", "e", "f"].map((zone) => `${MOCK_REGION}${zone}`);
      return {
        id: MOCK_REGION,
        names,
        zoneIds: names.map((_, i) => `use1-az${i + 1}`),
        groupNames: [MOCK_REGION],
      };
    }
    case "aws:ec2/getPrefixList:getPrefixList": {
      const name = typeof inputs.name === "string" ? inputs.name : "";
      const list = MOCK_PREFIX_LISTS[name];
      if (list === undefined) {
        throw new Error(
          `No mock prefix list named "${name}": known are ${Object.keys(MOCK_PREFIX_LISTS).join(", ")}.`,
        );
      }
      return {
        id: list.id,
        prefixListId: list.id,
        name,
        cidrBlocks: [...list.cidrBlocks],
        region: MOCK_REGION,
      };
    }
    default:
      throw new Error(
        `The mock runtime does not answer the invoke ${args.token}: add it to scripts/plan/mock-runtime-aws.ts.`,
      );
  }
}

/** The mocks: realistic ids and ARNs in account 123456789012, us-east-1. */
export const awsMocks: pulumi.runtime.Mocks = {
  newResource: (args) => mockState(args),
  call: (args) => mockCall(args),
};
