import { reviewStateObjectKeys } from "../../environments/backends";
import { isReviewScope, type Grant, type PermissionScope } from "./policy-types";

/**
 * The environment's Pulumi backend: its state bucket and its secrets key.
 *
 * The preview role keeps `kms:Decrypt` on its own environment's key: the Pulumi CLI decrypts the
 * stack's data key (`encryptedkey` in `Pulumi.<env>.yaml`) whenever it loads the stack, whatever
 * `--show-secrets` says, and the state objects are SSE-KMS with the same key, so a role that cannot
 * decrypt cannot preview or check drift at all. What a preview role can decrypt is therefore bounded
 * by who may assume it (bootstrap/github-oidc.ts): see "What the read-only roles can read" in the
 * README.
 *
 * The review-stack role reads and writes only its stacks' objects (`reviewStateObjectKeys`), and
 * reads the backend's version marker, `.pulumi/meta.yaml`, which the CLI reads whenever it logs in:
 * it can list the bucket's keys but never read dev's state. It uses dev's key, whose data key also
 * encrypts its stacks' secrets (environments/stack-files.ts).
 */
export function stateGrants(scope: PermissionScope): Grant[] {
  if (isReviewScope(scope)) {
    return [
      {
        sid: "ListStateBucket",
        group: "state",
        read: ["s3:ListBucket"],
        write: [],
        resources: [scope.stateBucketArn],
      },
      {
        sid: "ReadBackendVersion",
        group: "state",
        read: ["s3:GetObject"],
        write: [],
        resources: [`${scope.stateBucketArn}/.pulumi/meta.yaml`],
      },
      {
        sid: "ReviewStackStateObjects",
        group: "state",
        read: ["s3:GetObject"],
        write: ["s3:PutObject", "s3:DeleteObject"],
        resources: reviewStateObjectKeys(scope.environment).map(
          (key) => `${scope.stateBucketArn}/${key}`,
        ),
      },
      {
        sid: "UseSecretsKey",
        group: "state",
        read: ["kms:Decrypt"],
        write: ["kms:Encrypt", "kms:GenerateDataKey"],
        resources: [scope.secretsKeyArn],
      },
    ];
  }
  return [
    {
      sid: "ListStateBucket",
      group: "state",
      read: ["s3:ListBucket"],
      write: [],
      resources: [scope.stateBucketArn],
    },
    {
      sid: "StateObjects",
      group: "state",
      read: ["s3:GetObject"],
      write: ["s3:PutObject", "s3:DeleteObject"],
      resources: [`${scope.stateBucketArn}/*`],
    },
    {
      // Secrets in the stack config and state, and the state bucket's SSE-KMS.
      sid: "UseSecretsKey",
      group: "state",
      read: ["kms:Decrypt"],
      write: ["kms:Encrypt", "kms:GenerateDataKey"],
      resources: [scope.secretsKeyArn],
    },
  ];
}
