import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Why `pulumi destroy` may delete every object in the bucket along with it. A reason, not a
 * boolean, so whoever turns the safeguard off says why:
 * - `"environment-is-destroyable"`: the bucket belongs to a platform environment, and every
 *   environment must be destroyable without a person emptying its buckets first.
 */
export type EmptyOnDestroyReason = "environment-is-destroyable";

export interface PrivateBucketArgs {
  /** Physical name of the bucket (`modules/naming`). */
  readonly bucketName: string;
  /** Tags of the bucket (the configuration resources S3 hangs off it are not taggable). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Set to let destroy delete the bucket's objects (`forceDestroy`).
   * @default - destroy fails while the bucket holds objects, so a person has to empty it first
   */
  readonly emptyOnDestroy?: { readonly reason: EmptyOnDestroyReason };
  /**
   * Customer-managed KMS key that encrypts new objects (SSE-KMS). Without it S3 uses the
   * AWS-managed `aws/s3` key, whose key policy already lets this account's principals use it
   * through S3, so readers and writers need no KMS statements.
   * @default - the AWS-managed `aws/s3` key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /**
   * Logical names of the bucket and its policy, for a bucket first registered under other names:
   * a changed logical name changes the URN, and Pulumi would replace the bucket.
   * @default - the bucket is `name`, its policy `${name}-policy`
   */
  readonly logicalNames?: { readonly bucket?: string; readonly policy?: string };
}

/** The resources of a private bucket, for callers that add configuration or wait for them. */
export interface PrivateBucket {
  readonly bucket: aws.s3.Bucket;
  readonly ownershipControls: aws.s3.BucketOwnershipControls;
  readonly publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  readonly encryption: aws.s3.BucketServerSideEncryptionConfiguration;
  readonly policy: aws.s3.BucketPolicy;
}

/**
 * Registers an S3 bucket that is private and TLS-only whatever anyone passes: bucket-owner-enforced
 * ownership (ACLs off), all four public-access blocks, default SSE-KMS with an S3 Bucket Key (KMS
 * requests, and their cost, per object batch rather than per object), and a policy that denies any
 * request over plain HTTP to the bucket or its objects.
 *
 * A function rather than a component: the resources are registered as children of `parent` (the
 * component that owns the bucket), named from that component's `name`, so buckets created before
 * this function existed keep their URNs. Versioning, lifecycle and anything else specific to one
 * bucket stay with the caller.
 */
export function createPrivateBucket(
  name: string,
  args: PrivateBucketArgs,
  parent: pulumi.Resource,
): PrivateBucket {
  const bucket = new aws.s3.Bucket(
    args.logicalNames?.bucket ?? name,
    {
      bucket: args.bucketName,
      forceDestroy: args.emptyOnDestroy !== undefined,
      tags: args.tags,
    },
    { parent },
  );

  const ownershipControls = new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );

  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );

  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault:
            args.kmsKeyArn === undefined
              ? { sseAlgorithm: "aws:kms" }
              : { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    },
    { parent },
  );

  const policy = new aws.s3.BucketPolicy(
    args.logicalNames?.policy ?? `${name}-policy`,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            // A Deny, so covering every action is the point.
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    },
    // S3 rejects a policy on a bucket whose public-access block is still being applied (as public,
    // or as a conflicting concurrent change): wait for the block.
    { parent, dependsOn: [publicAccessBlock] },
  );

  return { bucket, ownershipControls, publicAccessBlock, encryption, policy };
}
