import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName, EnvironmentSettings } from "../config/settings";
import { standardTags } from "../naming/tags";
import { archiveLifecycleRules, TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE } from "./archive-lifecycle";
import { createPrivateBucket } from "./private-bucket";

export interface ArchiveBucketArgs {
  /** The environment the resources belong to, as their `Environment` tag says. */
  readonly environment: EnvironmentName;
  /** Physical name of the bucket. */
  readonly bucketName: string;
  /** Versioning and lifecycle of this environment's archive. */
  readonly archive: EnvironmentSettings["archive"];
}

/**
 * The raw tick archive. Private and TLS-only whatever the caller passes (`createPrivateBucket`): all
 * four public-access blocks, bucket-owner-enforced ownership (ACLs off), a policy that denies plain
 * HTTP, and default encryption. Destroy empties it (`forceDestroy`), so no environment leaves a
 * bucket behind.
 *
 * Encryption is SSE-KMS with the AWS-managed `aws/s3` key and an S3 Bucket Key. S3 calls KMS
 * itself, so the functions in the no-NAT VPC never need a KMS endpoint, and the key policy of
 * `aws/s3` already lets this account's principals use it through S3, so the functions' roles need
 * no KMS statements. The Bucket Key keeps KMS requests (and their cost) per object batch low.
 */
export class ArchiveBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: ArchiveBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:storage:ArchiveBucket", name, {}, opts);

    // Validate before creating anything, so bad settings register nothing.
    const lifecycleRules = archiveLifecycleRules(args.archive);
    const tags = standardTags(args.environment, "market-archive");

    const { bucket } = createPrivateBucket(
      name,
      {
        bucketName: args.bucketName,
        tags,
        emptyOnDestroy: { reason: "environment-is-destroyable" },
      },
      this,
    );

    const versioning = args.archive.versioning
      ? new aws.s3.BucketVersioning(
          `${name}-versioning`,
          { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
          { parent: this },
        )
      : undefined;

    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: lifecycleRules.map((rule) => ({
          ...rule,
          transitions: rule.transitions?.map((t) => ({ ...t })),
        })),
        transitionDefaultMinimumObjectSize: TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE,
      },
      // Noncurrent-version rules need versioning in place first.
      { parent: this, dependsOn: versioning === undefined ? [] : [versioning] },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
