import { findings } from "../../tests/support/policy/check";
import { compliantStack, withResource, without } from "../../tests/support/policy/compliant-stack";

const BUCKET = (environment: string) =>
  `S3 bucket "archive" (${environment}-market-archive-us-east-1-a1)`;

describe("s3-public-access-blocked", () => {
  it("reports a bucket without a public access block", () => {
    const resources = without(compliantStack("dev"), "archive-public-access");
    expect(findings("dev", resources)).toEqual([
      [
        "s3-public-access-blocked",
        "archive",
        `${BUCKET("dev")} has no public access block: add an s3.BucketPublicAccessBlock with all four settings true.`,
      ],
    ]);
  });

  it("reports the settings a block leaves off", () => {
    const resources = withResource(
      compliantStack("production"),
      "archive-public-access",
      (inputs) => ({
        ...inputs,
        ignorePublicAcls: false,
        restrictPublicBuckets: undefined,
      }),
    );
    expect(findings("production", resources)).toEqual([
      [
        "s3-public-access-blocked",
        "archive-public-access",
        `Public access block "archive-public-access" of ${BUCKET("production")} leaves ignorePublicAcls, restrictPublicBuckets off: set all four of blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true.`,
      ],
    ]);
  });

  it("joins configuration resources to buckets by id as well as by name", () => {
    let resources = withResource(compliantStack("dev"), "archive-public-access", (inputs) => ({
      ...inputs,
      bucket: "bucket-id-from-provider",
    }));
    resources = resources.map((resource) =>
      resource.name === "archive" ? { ...resource, id: "bucket-id-from-provider" } : resource,
    );
    expect(findings("dev", resources)).toEqual([]);
  });
});

describe("s3-tls-only", () => {
  it("reports a bucket without a bucket policy", () => {
    const resources = without(compliantStack("staging"), "archive-policy");
    expect(findings("staging", resources)).toEqual([
      [
        "s3-tls-only",
        "archive",
        `${BUCKET("staging")} has no bucket policy: add a Deny statement for Principal "*" and Action "s3:*" on the bucket and "<bucket ARN>/*" when aws:SecureTransport is "false".`,
      ],
    ]);
  });

  it("reports a policy whose deny misses the objects or the condition", () => {
    const bucketArn = "arn:aws:s3:::dev-market-archive-us-east-1-a1";
    for (const statement of [
      {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: bucketArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
      },
      {
        Effect: "Deny",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]) {
      const resources = withResource(compliantStack("dev"), "archive-policy", (inputs) => ({
        ...inputs,
        policy: { Version: "2012-10-17", Statement: [statement] },
      }));
      expect(findings("dev", resources)).toEqual([
        [
          "s3-tls-only",
          "archive",
          `${BUCKET("dev")} has bucket policy "archive-policy" without a TLS-only deny: add a Deny statement for Principal "*" and Action "s3:*" on the bucket and "<bucket ARN>/*" when aws:SecureTransport is "false".`,
        ],
      ]);
    }
  });

  it("accepts the deny as an object with boolean and list condition values", () => {
    const bucketArn = "arn:aws:s3:::dev-market-archive-us-east-1-a1";
    const resources = withResource(compliantStack("dev"), "archive-policy", (inputs) => ({
      ...inputs,
      policy: {
        Statement: [
          {
            Effect: "Deny",
            Principal: { AWS: ["*"] },
            Action: ["s3:*"],
            Resource: [bucketArn],
            Condition: { Bool: { "aws:SecureTransport": false } },
          },
          {
            Effect: "Deny",
            Principal: "*",
            Action: "*",
            Resource: `${bucketArn}/*`,
            Condition: { Bool: { "aws:SecureTransport": ["false"] } },
          },
        ],
      },
    }));
    expect(findings("dev", resources)).toEqual([]);
  });
});

describe("s3-encryption", () => {
  it("reports a bucket without default encryption", () => {
    const resources = without(compliantStack("dev"), "archive-encryption");
    expect(findings("dev", resources)).toEqual([
      [
        "s3-encryption",
        "archive",
        `${BUCKET("dev")} has no default server-side encryption: add an s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "AES256" or "aws:kms".`,
      ],
    ]);
  });

  it("accepts SSE-KMS", () => {
    const resources = withResource(compliantStack("dev"), "archive-encryption", (inputs) => ({
      ...inputs,
      rules: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: "alias/x",
          },
        },
      ],
    }));
    expect(findings("dev", resources)).toEqual([]);
  });
});

describe("s3-bucket-owner-enforced", () => {
  it("reports missing ownership controls and ACL-enabled ownership", () => {
    expect(findings("dev", without(compliantStack("dev"), "archive-ownership"))).toEqual([
      [
        "s3-bucket-owner-enforced",
        "archive",
        `${BUCKET("dev")} has no ownership controls, so ACLs stay enabled: add an s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".`,
      ],
    ]);
    const writer = withResource(compliantStack("dev"), "archive-ownership", (inputs) => ({
      ...inputs,
      rule: { objectOwnership: "ObjectWriter" },
    }));
    expect(findings("dev", writer)).toEqual([
      [
        "s3-bucket-owner-enforced",
        "archive",
        `${BUCKET("dev")} has object ownership "ObjectWriter", so ACLs stay enabled: add an s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".`,
      ],
    ]);
  });
});

describe("s3-lifecycle", () => {
  it("reports a bucket without an enabled lifecycle rule", () => {
    expect(findings("staging", without(compliantStack("staging"), "archive-lifecycle"))).toEqual([
      [
        "s3-lifecycle",
        "archive",
        `${BUCKET("staging")} has no enabled lifecycle rule: add an s3.BucketLifecycleConfiguration with at least one rule of status "Enabled".`,
      ],
    ]);
    const disabled = withResource(compliantStack("staging"), "archive-lifecycle", (inputs) => ({
      ...inputs,
      rules: (inputs.rules as Record<string, unknown>[]).map((rule) => ({
        ...rule,
        status: "Disabled",
      })),
    }));
    expect(findings("staging", disabled).map(([policy]) => policy)).toEqual(["s3-lifecycle"]);
  });

  it("dev: reports a raw archive that never expires", () => {
    const resources = withResource(compliantStack("dev"), "archive-lifecycle", (inputs) => ({
      ...inputs,
      rules: [
        {
          id: "raw-data",
          status: "Enabled",
          transitions: [{ days: 45, storageClass: "STANDARD_IA" }],
        },
      ],
    }));
    expect(findings("dev", resources)).toEqual([
      [
        "s3-lifecycle",
        "archive",
        `${BUCKET("dev")} does not expire objects after 60 days (ENVIRONMENT_SETTINGS.dev.archive.expireAfterDays): add expiration: { days: 60 } to an enabled lifecycle rule.`,
      ],
    ]);
  });

  it("staging: reports a raw archive that misses a transition", () => {
    const resources = withResource(compliantStack("staging"), "archive-lifecycle", (inputs) => ({
      ...inputs,
      rules: [
        {
          id: "raw-data",
          status: "Enabled",
          transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
        },
      ],
    }));
    expect(findings("staging", resources)).toEqual([
      [
        "s3-lifecycle",
        "archive",
        `${BUCKET("staging")} does not move objects to GLACIER_IR after 90 days (ENVIRONMENT_SETTINGS.staging.archive.transitions): add that transition to an enabled lifecycle rule.`,
      ],
    ]);
  });

  it("production: reports expiry of the system of record and kept noncurrent versions", () => {
    const resources = withResource(compliantStack("production"), "archive-lifecycle", (inputs) => ({
      ...inputs,
      rules: (inputs.rules as Record<string, unknown>[]).map((rule) => ({
        ...rule,
        expiration: { days: 365 },
        noncurrentVersionExpiration: undefined,
      })),
    }));
    expect(findings("production", resources)).toEqual([
      [
        "s3-lifecycle",
        "archive",
        `${BUCKET("production")} expires objects after 365 days, but production keeps the raw archive (ENVIRONMENT_SETTINGS.production.archive has no expireAfterDays): remove the expiration.`,
      ],
      [
        "s3-lifecycle",
        "archive",
        `${BUCKET("production")} keeps noncurrent versions forever; production deletes them after 30 days (ENVIRONMENT_SETTINGS.production.archive.noncurrentVersionExpireAfterDays): add noncurrentVersionExpiration: { noncurrentDays: 30 } to an enabled lifecycle rule.`,
      ],
    ]);
  });

  it("holds other buckets only to having an enabled rule", () => {
    const other = "dev-exports-us-east-1-a1";
    const tags = {
      Environment: "dev",
      ManagedBy: "pulumi",
      Project: "trading-analytics",
      Service: "exports",
    };
    const resources = [
      ...compliantStack("dev"),
      ...compliantStack("dev")
        .filter((resource) => resource.name.startsWith("archive"))
        .map((resource) => ({
          ...resource,
          name: resource.name.replace("archive", "exports"),
          id: resource.type === "aws:s3/bucket:Bucket" ? other : undefined,
          inputs: {
            ...resource.inputs,
            bucket: other,
            ...(resource.type === "aws:s3/bucket:Bucket" ? { tags } : {}),
            ...(resource.type === "aws:s3/bucketPolicy:BucketPolicy"
              ? {
                  policy: String(resource.inputs.policy).replaceAll(
                    "dev-market-archive-us-east-1-a1",
                    other,
                  ),
                }
              : {}),
            ...(resource.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
              ? { rules: [{ id: "all", status: "Enabled", expiration: { days: 1 } }] }
              : {}),
          },
          state: {},
        })),
    ];
    expect(findings("dev", resources)).toEqual([]);
  });
});

describe("s3-archive-versioning-per-environment", () => {
  it("production: reports an unversioned or suspended archive", () => {
    expect(
      findings("production", without(compliantStack("production"), "archive-versioning")),
    ).toEqual([
      [
        "s3-archive-versioning-per-environment",
        "archive",
        `${BUCKET("production")} has no s3.BucketVersioning; production versions the raw archive (ENVIRONMENT_SETTINGS.production.archive.versioning is true): add an s3.BucketVersioning with versioningConfiguration.status "Enabled".`,
      ],
    ]);
    const suspended = withResource(
      compliantStack("production"),
      "archive-versioning",
      (inputs) => ({
        ...inputs,
        versioningConfiguration: { status: "Suspended" },
      }),
    );
    expect(findings("production", suspended)).toEqual([
      [
        "s3-archive-versioning-per-environment",
        "archive",
        `${BUCKET("production")} has versioning status "Suspended"; production versions the raw archive (ENVIRONMENT_SETTINGS.production.archive.versioning is true): add an s3.BucketVersioning with versioningConfiguration.status "Enabled".`,
      ],
    ]);
  });

  it.each(["dev", "staging"] as const)("%s: reports a versioned archive", (environment) => {
    const bucket = `${environment}-market-archive-us-east-1-a1`;
    const resources = [
      ...compliantStack(environment),
      {
        type: "aws:s3/bucketVersioning:BucketVersioning",
        name: "archive-versioning",
        inputs: { bucket, versioningConfiguration: { status: "Enabled" } },
      },
    ];
    expect(findings(environment, resources)).toEqual([
      [
        "s3-archive-versioning-per-environment",
        "archive",
        `${BUCKET(environment)} is versioned, but ${environment} keeps one version of each object (ENVIRONMENT_SETTINGS.${environment}.archive.versioning is false): remove its s3.BucketVersioning.`,
      ],
    ]);
  });

  it("finds the archive by its name when its Service tag is missing", () => {
    const resources = withResource(
      without(compliantStack("production"), "archive-versioning"),
      "archive",
      (inputs) => ({ ...inputs, tags: { ...(inputs.tags as object), Service: undefined } }),
    );
    expect(findings("production", resources).map(([policy]) => policy)).toEqual([
      "required-tags",
      "s3-archive-versioning-per-environment",
    ]);
  });
});
