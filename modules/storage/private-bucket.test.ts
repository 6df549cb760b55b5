import * as pulumi from "@pulumi/pulumi";

import { ENVIRONMENT_NAMES, type EnvironmentName } from "../config/settings";
import {
  MOCK_ACCOUNT_ID,
  ResourceRecorder,
  settle,
  valueOf,
} from "../../tests/support/compute/pulumi-recorder";
import { standardTags } from "../naming/tags";
import type { PrivateBucket, PrivateBucketArgs } from "./private-bucket";

/** The recorder, plus the ARN S3 reports for a bucket, which the TLS-only policy names. */
class BucketRecorder extends ResourceRecorder {
  public override newResource(
    args: pulumi.runtime.MockResourceArgs,
  ): pulumi.runtime.MockResourceResult {
    const result = super.newResource(args);
    if (args.type !== "aws:s3/bucket:Bucket") {
      return result;
    }
    const inputs = args.inputs as { bucket: string };
    return {
      id: inputs.bucket,
      state: { ...(result.state as object), arn: `arn:aws:s3:::${inputs.bucket}` },
    };
  }
}

const recorder = new BucketRecorder();

const BUCKET = "aws:s3/bucket:Bucket";
const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
const PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ENCRYPTION =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";

const keyArn = (env: EnvironmentName) =>
  `arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:key/${env}-0000-1111`;
const archiveName = (env: EnvironmentName) => `${env}-market-archive-us-east-1-t1`;
const stateName = (env: EnvironmentName) => `trading-analytics-state-${env}-${MOCK_ACCOUNT_ID}`;

interface Built {
  readonly owner: pulumi.ComponentResource;
  readonly result: PrivateBucket;
}

/** Per environment: an archive-like bucket, a state-like bucket, and one with every default. */
const built = {} as Record<EnvironmentName, Record<"archive" | "state" | "plain", Built>>;

beforeAll(async () => {
  await recorder.install("trading", "storage");
  const { createPrivateBucket } = await import("./private-bucket");
  const build = (name: string, args: PrivateBucketArgs): Built => {
    const owner = new pulumi.ComponentResource("test:storage:Owner", name, {});
    return { owner, result: createPrivateBucket(name, args, owner) };
  };
  for (const env of ENVIRONMENT_NAMES) {
    built[env] = {
      archive: build(`${env}-archive`, {
        bucketName: archiveName(env),
        tags: standardTags(env, "market-archive"),
        emptyOnDestroy: { reason: "environment-is-destroyable" },
      }),
      state: build(`${env}-state`, {
        bucketName: stateName(env),
        tags: standardTags(env, "pulumi-state"),
        kmsKeyArn: keyArn(env),
        logicalNames: { bucket: `${env}-state-bucket`, policy: `${env}-state-tls-only` },
      }),
      plain: build(`${env}-plain`, {
        bucketName: `${env}-plain-bucket`,
        tags: { Environment: env },
      }),
    };
  }
  await settle();
});

const urnOf = async (resource: pulumi.Resource): Promise<string> => valueOf(resource.urn);
const json = (value: unknown): unknown => JSON.parse(value as string);

function denyInsecureTransport(bucketName: string) {
  const arn = `arn:aws:s3:::${bucketName}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

const privateBaseline = (bucketId: string) => ({
  ownership: { bucket: bucketId, rule: { objectOwnership: "BucketOwnerEnforced" } },
  publicAccess: {
    bucket: bucketId,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  },
});

test("asks AWS for nothing", () => {
  expect(recorder.invokes).toEqual([]);
});

describe.each(ENVIRONMENT_NAMES)("%s", (env) => {
  test("archive-like: the AWS-managed key, emptied on destroy, default logical names", async () => {
    const bucketName = archiveName(env);
    const { owner } = built[env].archive;
    const ownerUrn = await urnOf(owner);
    const children = recorder.resources.filter((r) => r.parentUrn === ownerUrn);
    expect(children.map((r) => [r.type, r.name])).toEqual([
      [BUCKET, `${env}-archive`],
      [OWNERSHIP, `${env}-archive-ownership`],
      [PUBLIC_ACCESS, `${env}-archive-public-access`],
      [ENCRYPTION, `${env}-archive-encryption`],
      [POLICY, `${env}-archive-policy`],
    ]);
    expect(recorder.one(BUCKET, `${env}-archive`).inputs).toEqual({
      bucket: bucketName,
      forceDestroy: true,
      tags: {
        Environment: env,
        ManagedBy: "pulumi",
        Project: "trading-analytics",
        Service: "market-archive",
      },
    });
    const baseline = privateBaseline(bucketName);
    expect(recorder.one(OWNERSHIP, `${env}-archive-ownership`).inputs).toEqual(baseline.ownership);
    expect(recorder.one(PUBLIC_ACCESS, `${env}-archive-public-access`).inputs).toEqual(
      baseline.publicAccess,
    );
    expect(recorder.one(ENCRYPTION, `${env}-archive-encryption`).inputs).toEqual({
      bucket: bucketName,
      rules: [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true },
      ],
    });
    const policy = recorder.one(POLICY, `${env}-archive-policy`);
    expect(policy.inputs.bucket).toBe(bucketName);
    expect(json(policy.inputs.policy)).toEqual(denyInsecureTransport(bucketName));
  });

  test("state-like: its own KMS key, kept on destroy, the logical names it was registered under", async () => {
    const bucketName = stateName(env);
    const ownerUrn = await urnOf(built[env].state.owner);
    const children = recorder.resources.filter((r) => r.parentUrn === ownerUrn);
    expect(children.map((r) => [r.type, r.name])).toEqual([
      [BUCKET, `${env}-state-bucket`],
      [OWNERSHIP, `${env}-state-ownership`],
      [PUBLIC_ACCESS, `${env}-state-public-access`],
      [ENCRYPTION, `${env}-state-encryption`],
      [POLICY, `${env}-state-tls-only`],
    ]);
    expect(recorder.one(BUCKET, `${env}-state-bucket`).inputs).toEqual({
      bucket: bucketName,
      forceDestroy: false,
      tags: {
        Environment: env,
        ManagedBy: "pulumi",
        Project: "trading-analytics",
        Service: "pulumi-state",
      },
    });
    const baseline = privateBaseline(bucketName);
    expect(recorder.one(OWNERSHIP, `${env}-state-ownership`).inputs).toEqual(baseline.ownership);
    expect(recorder.one(PUBLIC_ACCESS, `${env}-state-public-access`).inputs).toEqual(
      baseline.publicAccess,
    );
    expect(recorder.one(ENCRYPTION, `${env}-state-encryption`).inputs).toEqual({
      bucket: bucketName,
      rules: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: keyArn(env),
          },
          bucketKeyEnabled: true,
        },
      ],
    });
    const policy = recorder.one(POLICY, `${env}-state-tls-only`);
    expect(policy.inputs.bucket).toBe(bucketName);
    expect(json(policy.inputs.policy)).toEqual(denyInsecureTransport(bucketName));
  });

  test("every default: kept on destroy, the AWS-managed key, `name` and `${name}-policy`", async () => {
    const ownerUrn = await urnOf(built[env].plain.owner);
    expect(
      recorder.resources
        .filter((r) => r.parentUrn === ownerUrn)
        .map((r) => [r.type, r.name, r.type === BUCKET ? r.inputs.forceDestroy : undefined]),
    ).toEqual([
      [BUCKET, `${env}-plain`, false],
      [OWNERSHIP, `${env}-plain-ownership`, undefined],
      [PUBLIC_ACCESS, `${env}-plain-public-access`, undefined],
      [ENCRYPTION, `${env}-plain-encryption`, undefined],
      [POLICY, `${env}-plain-policy`, undefined],
    ]);
    expect(recorder.one(ENCRYPTION, `${env}-plain-encryption`).inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true },
    ]);
  });

  test.each(["archive", "state", "plain"] as const)(
    "%s: the policy waits for the public-access block; the configuration waits only for the bucket",
    async (kind) => {
      const { result } = built[env][kind];
      const [bucket, ownership, publicAccess, encryption, policy] = await Promise.all(
        [
          result.bucket,
          result.ownershipControls,
          result.publicAccessBlock,
          result.encryption,
          result.policy,
        ].map(urnOf),
      );
      const dependencies = (urn: string) => [...recorder.byUrn(urn).dependencyUrns].sort();
      expect(dependencies(bucket)).toEqual([]);
      expect(dependencies(ownership)).toEqual([bucket]);
      expect(dependencies(publicAccess)).toEqual([bucket]);
      expect(dependencies(encryption)).toEqual([bucket]);
      expect(dependencies(policy)).toEqual([bucket, publicAccess].sort());
    },
  );
});

test("the exposed outputs are the bucket's own", async () => {
  const { bucket } = built.production.state.result;
  expect(await valueOf(bucket.bucket)).toBe(stateName("production"));
  expect(await valueOf(bucket.arn)).toBe(`arn:aws:s3:::${stateName("production")}`);
});

// `tsc --noEmit` fails if a bare boolean ever turns the safeguard off: it has to carry a reason.
// @ts-expect-error: a boolean says nothing about why destroy may delete the objects.
const booleanEmptyOnDestroy: PrivateBucketArgs["emptyOnDestroy"] = true;
void booleanEmptyOnDestroy;
