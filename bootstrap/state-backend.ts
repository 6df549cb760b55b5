import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../modules/config/settings";
import { standardTags } from "../modules/naming/tags";
import { createPrivateBucket } from "../modules/storage/private-bucket";

/**
 * What the account (through IAM policies) may do with the key. Listed exactly instead of `kms:*`:
 * administration, the rotation it keeps on, and use. `kms:PutKeyPolicy` is what keeps the key
 * manageable (KMS refuses a policy that would lock the account out).
 */
export const KEY_ACCOUNT_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:ListKeyRotations",
  "kms:RotateKeyOnDemand",
  "kms:ListResourceTags",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:CreateGrant",
  "kms:ListGrants",
  "kms:RevokeGrant",
  "kms:RetireGrant",
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
] as const;

/** The key policy: the account, and so IAM policies such as the pipeline roles', decide who uses it. */
export function secretsKeyPolicy(accountId: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountManagesAndUsesKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: [...KEY_ACCOUNT_ACTIONS],
        Resource: "*",
      },
    ],
  };
}

/** KMS waits this long before deleting a scheduled key: a month to notice a mistake. */
export const KEY_DELETION_WINDOW_DAYS = 30;

/** Old state versions are kept this long; the current version is never expired. */
export const NONCURRENT_STATE_RETENTION_DAYS = 90;

export interface StateBackendArgs {
  readonly environment: EnvironmentName;
  readonly accountId: string;
  /** Physical name of the state bucket (environments/backends.ts). */
  readonly bucketName: string;
  /** The key's alias, `alias/...` (environments/backends.ts). */
  readonly keyAlias: string;
}

/**
 * One environment's Pulumi state backend: a KMS key (rotation on) that encrypts the stack's secrets
 * and the state bucket, and the bucket itself. The bucket is versioned, because a state file must
 * always be recoverable (an interrupted or wrong `up` overwrites it); encrypted with the key;
 * private (all four public-access blocks, ACLs disabled); and reachable over TLS only
 * (`createPrivateBucket`).
 *
 * Unlike the platform's archive bucket, nothing here empties itself on destroy: deleting a state
 * bucket with stacks in it needs a person to empty it first.
 */
export class StateBackend extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly keyArn: pulumi.Output<string>;
  public readonly keyAlias: pulumi.Output<string>;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:bootstrap:StateBackend", name, {}, opts);

    const tags = standardTags(args.environment, "pulumi-state");

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Pulumi secrets and state of the ${args.environment} environment`,
        enableKeyRotation: true,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        policy: JSON.stringify(secretsKeyPolicy(args.accountId)),
        tags,
      },
      { parent: this },
    );

    const alias = new aws.kms.Alias(
      `${name}-key-alias`,
      { name: args.keyAlias, targetKeyId: key.keyId },
      { parent: this },
    );

    // Logical names as the bucket and its policy were first registered, so their URNs stay put.
    const { bucket } = createPrivateBucket(
      name,
      {
        bucketName: args.bucketName,
        tags,
        kmsKeyArn: key.arn,
        logicalNames: { bucket: `${name}-bucket`, policy: `${name}-tls-only` },
      },
      this,
    );

    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );

    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-old-state-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_STATE_RETENTION_DAYS },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.keyArn = key.arn;
    this.keyAlias = alias.name;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      keyArn: this.keyArn,
      keyAlias: this.keyAlias,
    });
  }
}
