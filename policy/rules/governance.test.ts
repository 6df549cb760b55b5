import { findings } from "../../tests/support/policy/check";
import {
  compliantStack,
  omit,
  withOptions,
  withResource,
  without,
} from "../../tests/support/policy/compliant-stack";

const FIX_TAGS = "tag it with standardTags(environment, service) from modules/naming";

describe("required-tags", () => {
  it("passes the compliant stack of every environment", () => {
    for (const environment of ["dev", "staging", "production"] as const) {
      expect(findings(environment, compliantStack(environment))).toEqual([]);
    }
  });

  it("reports missing tags", () => {
    const resources = withResource(compliantStack("dev"), "market-processor", (inputs) => ({
      ...inputs,
      tags: { Environment: "dev", Project: "trading-analytics" },
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "required-tags",
        "market-processor",
        `Lambda function "market-processor" (dev-market-processor-us-east-1-a1) has no ManagedBy, Service tags: ${FIX_TAGS}.`,
      ],
    ]);
  });

  it("reports a resource tagged for another environment than the stack's", () => {
    const resources = withResource(compliantStack("dev"), "stream", (inputs) => ({
      ...inputs,
      tags: { ...(inputs.tags as object), Environment: "production" },
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "required-tags",
        "stream",
        `Kinesis stream "stream" (dev-market-data-us-east-1-a1) has Environment "production" but is deployed by the dev stack: ${FIX_TAGS}.`,
      ],
    ]);
  });

  it("reports wrong values of every tag in one message", () => {
    const resources = withResource(compliantStack("staging"), "alarms", (inputs) => ({
      ...inputs,
      tags: { Environment: "qa", ManagedBy: "terraform", Project: "other", Service: "Alarm Topic" },
    }));
    expect(findings("staging", resources)).toEqual([
      [
        "required-tags",
        "alarms",
        `SNS topic "alarms" (staging-alarms-us-east-1-a1) has Environment "qa", which is not one of dev, staging, production; has ManagedBy "terraform" instead of "pulumi"; has Project "other" instead of "trading-analytics"; has Service "Alarm Topic", which is not lower-case hyphenated words: ${FIX_TAGS}.`,
      ],
    ]);
  });

  it("reads provider default tags from tagsAll", () => {
    const resources = withResource(compliantStack("dev"), "table", (inputs) => {
      const { tags, ...rest } = inputs;
      return { ...rest, tagsAll: tags };
    });
    expect(findings("dev", resources)).toEqual([]);
  });

  it("checks the tags of the VPC endpoints awsx creates", () => {
    const resources = withResource(compliantStack("production"), "network", (inputs) => ({
      ...inputs,
      vpcEndpointSpecs: [
        { serviceName: "com.amazonaws.us-east-1.s3", vpcEndpointType: "Gateway" },
        (inputs.vpcEndpointSpecs as unknown[])[1],
      ],
    }));
    expect(findings("production", resources)).toEqual([
      [
        "required-tags",
        "network",
        'VPC "network" creates VPC endpoint "com.amazonaws.us-east-1.s3", which has no Environment, ManagedBy, Project, Service tags: set that vpcEndpointSpecs entry\'s tags with standardTags(environment, service).',
      ],
    ]);
  });

  it("does not guess an environment: without one, only the tags rule reports", () => {
    // Stack "sandbox" is not an environment, so the function's environment comes from its tags
    // alone; with no Environment tag, the memory rule cannot apply and must not guess.
    const resources = withResource(compliantStack("dev"), "market-processor", (inputs) => ({
      ...inputs,
      memorySize: 128,
      tags: { ManagedBy: "pulumi", Project: "trading-analytics", Service: "market-processor" },
    }));
    expect(findings("sandbox", resources)).toEqual([
      [
        "required-tags",
        "market-processor",
        `Lambda function "market-processor" (dev-market-processor-us-east-1-a1) has no Environment tag: ${FIX_TAGS}.`,
      ],
    ]);
  });

  it("ignores resources that cannot be tagged", () => {
    const resources = withResource(compliantStack("dev"), "archive-policy", (inputs) => ({
      ...inputs,
      tags: { Environment: "production" },
    }));
    expect(findings("dev", resources)).toEqual([]);
  });
});

describe("physical-name-pattern", () => {
  it("reports a name outside the pattern", () => {
    const resources = withResource(compliantStack("dev"), "alarms", (inputs) => ({
      ...inputs,
      name: "trading-alarms",
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "physical-name-pattern",
        "alarms",
        'SNS topic "alarms" is named "trading-alarms", which does not follow {env}-{service}-us-east-1-{environmentSuffix}: build it with physicalName() from modules/naming, e.g. "dev-alarms-us-east-1-a1".',
      ],
    ]);
  });

  it("checks a dashboard's name, which has no tags to name its service", () => {
    const resources = withResource(compliantStack("staging"), "dashboard", (inputs) => ({
      ...inputs,
      dashboardName: "dev-market-dashboard-us-east-1-a1",
    }));
    expect(findings("staging", resources)).toEqual([
      [
        "physical-name-pattern",
        "dashboard",
        'CloudWatch dashboard "dashboard" is named "dev-market-dashboard-us-east-1-a1", which names environment "dev" in staging: build it with physicalName() from modules/naming, e.g. "staging-market-dashboard-us-east-1-a1".',
      ],
    ]);
  });

  it("reports a resource left to Pulumi's auto-naming", () => {
    const resources = withResource(compliantStack("dev"), "archive", (inputs) =>
      omit(inputs, "bucket"),
    );
    const bucketFindings = findings("dev", resources).filter(
      ([policy]) => policy === "physical-name-pattern",
    );
    expect(bucketFindings).toEqual([
      [
        "physical-name-pattern",
        "archive",
        'S3 bucket "archive" has no bucket, so Pulumi would generate a random name: build it with physicalName() from modules/naming, e.g. "dev-market-archive-us-east-1-a1".',
      ],
    ]);
  });

  it("reports the wrong environment, region, suffix and prefix together", () => {
    const resources = withResource(compliantStack("dev"), "market-processor-dlq", (inputs) => ({
      ...inputs,
      name: "x-staging-market-processor-dlq-us-west-2-b2",
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "physical-name-pattern",
        "market-processor-dlq",
        'SQS queue "market-processor-dlq" is named "x-staging-market-processor-dlq-us-west-2-b2", which starts with "x-" and names environment "staging" in dev and names region "us-west-2" instead of us-east-1 and ends with suffix "b2" instead of the environmentSuffix "a1": build it with physicalName() from modules/naming, e.g. "dev-market-processor-dlq-us-east-1-a1".',
      ],
    ]);
  });

  it("allows a log group's path prefix and follows an ENVIRONMENT_SUFFIX override", () => {
    const resources = compliantStack("dev");
    expect(findings("dev", resources)).toEqual([]);
    const overridden = findings("dev", resources, { environmentSuffix: "pr7" }).filter(
      ([, name]) => name === "market-processor-logs",
    );
    expect(overridden).toEqual([
      [
        "physical-name-pattern",
        "market-processor-logs",
        'CloudWatch log group "market-processor-logs" is named "/aws/lambda/dev-market-processor-us-east-1-a1", which ends with suffix "a1" instead of the environmentSuffix "pr7": build it with physicalName() from modules/naming, e.g. "dev-market-processor-us-east-1-pr7".',
      ],
    ]);
  });
});

describe("resources-not-protected", () => {
  it("reports protect and retainOnDelete", () => {
    let resources = withOptions(compliantStack("production"), "table", {
      protect: true,
      ignoreChanges: ["readCapacity", "writeCapacity"],
    });
    resources = withOptions(resources, "stream", { protect: true, retainOnDelete: true });
    resources = withOptions(resources, "archive-policy", { retainOnDelete: true });
    expect(findings("production", resources)).toEqual([
      [
        "resources-not-protected",
        "table",
        'DynamoDB table "table" (production-market-analytics-us-east-1-a1) has protect: true, so pulumi destroy would leave it behind: remove the protect option.',
      ],
      [
        "resources-not-protected",
        "archive-policy",
        'Bucket policy "archive-policy" has retainOnDelete: true, so pulumi destroy would leave it behind: remove the retainOnDelete option.',
      ],
      [
        "resources-not-protected",
        "stream",
        'Kinesis stream "stream" (production-market-data-us-east-1-a1) has protect: true and retainOnDelete: true, so pulumi destroy would leave it behind: remove the protect and retainOnDelete options.',
      ],
    ]);
  });
});

describe("resources-destroy-cleanly", () => {
  it("reports deletion protection, a bucket that cannot be emptied and a kept log group", () => {
    let resources = withResource(compliantStack("staging"), "table", (inputs) => ({
      ...inputs,
      deletionProtectionEnabled: true,
    }));
    resources = withResource(resources, "archive", (inputs) => ({
      ...inputs,
      forceDestroy: false,
    }));
    resources = withResource(resources, "analytics-api-logs", (inputs) => ({
      ...inputs,
      skipDestroy: true,
    }));
    expect(findings("staging", resources)).toEqual([
      [
        "resources-destroy-cleanly",
        "table",
        'DynamoDB table "table" (staging-market-analytics-us-east-1-a1) has deletion protection, so pulumi destroy fails on it: set deletionProtectionEnabled: false.',
      ],
      [
        "resources-destroy-cleanly",
        "archive",
        'S3 bucket "archive" (staging-market-archive-us-east-1-a1) does not empty itself on destroy, so pulumi destroy fails once it holds objects: set forceDestroy: true.',
      ],
      [
        "resources-destroy-cleanly",
        "analytics-api-logs",
        'CloudWatch log group "analytics-api-logs" (/aws/lambda/staging-analytics-api-us-east-1-a1) has skipDestroy: true, so pulumi destroy leaves it behind: remove skipDestroy.',
      ],
    ]);
  });

  it("passes a stack without any of those resources", () => {
    const resources = without(compliantStack("dev"), "table", "archive");
    expect(
      findings("dev", resources).filter(([policy]) => policy === "resources-destroy-cleanly"),
    ).toEqual([]);
  });
});
