import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

import { resolveEnvironment, settingsFor } from "../context";
import { ofType, propsOf, stackPolicy, type ContextSource, type RuleMetadata } from "../define";
import { conditionValues, isEveryone, parsePolicyDocument } from "../iam-document";
import { serviceOf } from "../names";
import {
  asArray,
  asNumber,
  asRecord,
  asString,
  describeResource,
  tagsOf,
  type Props,
} from "../props";
import { TYPES } from "../resource-types";
import { environmentsWhere } from "../settings-text";

/** The raw archive's service name (physical names, tags). */
export const ARCHIVE_SERVICE = "market-archive";

export const S3_RULES = {
  publicAccess: {
    name: "s3-public-access-blocked",
    summary:
      "Every S3 bucket has a public access block with all four settings on: block and ignore public ACLs, block public policies, restrict public buckets.",
    ruleIds: [
      "CKV2_AWS_6",
      "CKV_AWS_53",
      "CKV_AWS_54",
      "CKV_AWS_55",
      "CKV_AWS_56",
      "AwsSolutions-S2",
    ],
    severity: "critical",
    remediation:
      "Add an s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
  },
  tlsOnly: {
    name: "s3-tls-only",
    summary:
      "Every S3 bucket has a bucket policy that denies any request made without TLS (aws:SecureTransport false) on the bucket and its objects.",
    ruleIds: ["AwsSolutions-S10"],
    severity: "high",
    remediation:
      'Add an s3.BucketPolicy with a Deny statement for Principal "*", Action "s3:*", Resource [bucket ARN, bucket ARN + "/*"] and Condition { Bool: { "aws:SecureTransport": "false" } }.',
  },
  encryption: {
    name: "s3-encryption",
    summary: "Every S3 bucket has default server-side encryption (SSE-S3 or SSE-KMS).",
    ruleIds: ["CKV_AWS_19"],
    related: "CKV_AWS_145 additionally requires SSE-KMS",
    severity: "high",
    remediation:
      'Add an s3.BucketServerSideEncryptionConfiguration with applyServerSideEncryptionByDefault.sseAlgorithm "AES256" or "aws:kms".',
  },
  ownership: {
    name: "s3-bucket-owner-enforced",
    summary: "Every S3 bucket disables ACLs with the BucketOwnerEnforced object ownership.",
    ruleIds: ["CKV2_AWS_65"],
    severity: "medium",
    remediation:
      'Add an s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
  },
  lifecycle: {
    name: "s3-lifecycle",
    summary:
      "Every S3 bucket has an enabled lifecycle rule; the raw archive's rules follow ENVIRONMENT_SETTINGS (storage-class transitions, expiry only where set, noncurrent-version expiry where versioned).",
    ruleIds: ["CKV2_AWS_61"],
    severity: "medium",
    remediation:
      "Add an s3.BucketLifecycleConfiguration built from `settings.archive` (transitions, expireAfterDays, noncurrentVersionExpireAfterDays).",
  },
  versioning: {
    name: "s3-archive-versioning-per-environment",
    summary: `The raw archive bucket is versioned exactly where ENVIRONMENT_SETTINGS says (${environmentsWhere((settings) => settings.archive.versioning)}), through an s3.BucketVersioning resource.`,
    ruleIds: [],
    related:
      "CKV_AWS_21 asks for versioning on every bucket; this platform versions the raw archive only where it is the system of record",
    severity: "high",
    remediation:
      'In production add an s3.BucketVersioning with versioningConfiguration.status "Enabled"; elsewhere leave versioning off.',
  },
} as const satisfies Record<string, RuleMetadata>;

interface BucketGroup {
  readonly bucket: PolicyResource;
  readonly props: Props;
  readonly label: string;
  readonly physicalName: string | undefined;
  /** `arn:aws:s3:::<name>` and the provider's `arn` output, whichever are known. */
  readonly arns: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly isArchive: boolean;
  companions(type: string): PolicyResource[];
}

/** Joins each bucket with its configuration resources, matched on their `bucket` input (name or id). */
function bucketGroups(resources: readonly PolicyResource[]): BucketGroup[] {
  return ofType(resources, TYPES.bucket).map((bucket) => {
    const props = propsOf(bucket);
    const physicalName = asString(props.bucket);
    const keys = new Set(
      [physicalName, asString(props.id)].filter((key): key is string => key !== undefined),
    );
    const arns = [
      ...new Set(
        [
          asString(props.arn),
          physicalName === undefined ? undefined : `arn:aws:s3:::${physicalName}`,
        ].filter((arn): arn is string => arn !== undefined),
      ),
    ];
    const tags = tagsOf(props);
    return {
      bucket,
      props,
      label: describeResource("S3 bucket", bucket.name, physicalName),
      physicalName,
      arns,
      tags,
      isArchive: serviceOf(tags, physicalName) === ARCHIVE_SERVICE,
      companions: (type: string) =>
        ofType(resources, type).filter((companion) => {
          const key = asString(propsOf(companion).bucket);
          return key !== undefined && keys.has(key);
        }),
    };
  });
}

function bucketsOrNotApplicable(args: StackValidationArgs): BucketGroup[] {
  const groups = bucketGroups(args.resources);
  if (groups.length === 0) {
    args.notApplicable("The stack has no S3 buckets");
  }
  return groups;
}

const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

const ENCRYPTION_ALGORITHMS: readonly string[] = ["AES256", "aws:kms", "aws:kms:dsse"];

function deniesInsecureTransport(policyValue: unknown, arns: readonly string[]): boolean {
  const parsed = parsePolicyDocument(policyValue);
  if (!parsed.ok) {
    return false;
  }
  const covered = new Set(
    parsed.statements
      .filter(
        (statement) =>
          statement.effect === "Deny" &&
          isEveryone(statement.principal) &&
          statement.actions.some((action) => action === "s3:*" || action === "*") &&
          conditionValues(statement, "Bool", "aws:SecureTransport").includes("false"),
      )
      .flatMap((statement) => statement.resources),
  );
  return arns.some((arn) => covered.has(arn)) && arns.some((arn) => covered.has(`${arn}/*`));
}

interface LifecycleRule {
  readonly status: string | undefined;
  readonly expirationDays: number | undefined;
  readonly noncurrentDays: number | undefined;
  readonly transitions: readonly {
    readonly days: number | undefined;
    readonly storageClass: string | undefined;
  }[];
}

function enabledLifecycleRules(configurations: readonly PolicyResource[]): LifecycleRule[] {
  return configurations
    .flatMap((configuration) => asArray(propsOf(configuration).rules))
    .map((raw) => {
      const rule = asRecord(raw) ?? {};
      return {
        status: asString(rule.status),
        expirationDays: asNumber(asRecord(rule.expiration)?.days),
        noncurrentDays: asNumber(asRecord(rule.noncurrentVersionExpiration)?.noncurrentDays),
        transitions: asArray(rule.transitions).map((transition) => ({
          days: asNumber(asRecord(transition)?.days),
          storageClass: asString(asRecord(transition)?.storageClass),
        })),
      };
    })
    .filter((rule) => rule.status === "Enabled");
}

export function s3StackPolicies(context: ContextSource): StackValidationPolicy[] {
  return [
    stackPolicy(S3_RULES.publicAccess, (args, report) => {
      for (const group of bucketsOrNotApplicable(args)) {
        const blocks = group.companions(TYPES.bucketPublicAccessBlock);
        if (blocks.length === 0) {
          report(
            `${group.label} has no public access block: add an s3.BucketPublicAccessBlock with all four settings true.`,
            group.bucket.urn,
          );
          continue;
        }
        for (const block of blocks) {
          const props = propsOf(block);
          const off = PUBLIC_ACCESS_FLAGS.filter((flag) => props[flag] !== true);
          if (off.length > 0) {
            report(
              `Public access block "${block.name}" of ${group.label} leaves ${off.join(", ")} off: set all four of ${PUBLIC_ACCESS_FLAGS.join(", ")} to true.`,
              block.urn,
            );
          }
        }
      }
    }),
    stackPolicy(S3_RULES.tlsOnly, (args, report) => {
      for (const group of bucketsOrNotApplicable(args)) {
        const policies = group.companions(TYPES.bucketPolicy);
        if (
          policies.some((policy) => deniesInsecureTransport(propsOf(policy).policy, group.arns))
        ) {
          continue;
        }
        const found =
          policies.length === 0
            ? "has no bucket policy"
            : `has bucket polic${policies.length === 1 ? "y" : "ies"} ${policies.map((policy) => `"${policy.name}"`).join(", ")} without a TLS-only deny`;
        report(
          `${group.label} ${found}: add a Deny statement for Principal "*" and Action "s3:*" on the bucket and "<bucket ARN>/*" when aws:SecureTransport is "false".`,
          group.bucket.urn,
        );
      }
    }),
    stackPolicy(S3_RULES.encryption, (args, report) => {
      for (const group of bucketsOrNotApplicable(args)) {
        const algorithms = group
          .companions(TYPES.bucketEncryption)
          .flatMap((configuration) => asArray(propsOf(configuration).rules))
          .map((rule) =>
            asString(asRecord(asRecord(rule)?.applyServerSideEncryptionByDefault)?.sseAlgorithm),
          );
        if (
          !algorithms.some(
            (algorithm) => algorithm !== undefined && ENCRYPTION_ALGORITHMS.includes(algorithm),
          )
        ) {
          report(
            `${group.label} has no default server-side encryption: add an s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "AES256" or "aws:kms".`,
            group.bucket.urn,
          );
        }
      }
    }),
    stackPolicy(S3_RULES.ownership, (args, report) => {
      for (const group of bucketsOrNotApplicable(args)) {
        const ownerships = group
          .companions(TYPES.bucketOwnershipControls)
          .map((controls) => asString(asRecord(propsOf(controls).rule)?.objectOwnership));
        if (!ownerships.includes("BucketOwnerEnforced")) {
          const current =
            ownerships.length === 0
              ? "no ownership controls"
              : `object ownership ${ownerships.map((value) => `"${value ?? "unset"}"`).join(", ")}`;
          report(
            `${group.label} has ${current}, so ACLs stay enabled: add an s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".`,
            group.bucket.urn,
          );
        }
      }
    }),
    stackPolicy(S3_RULES.lifecycle, (args, report) => {
      for (const group of bucketsOrNotApplicable(args)) {
        const rules = enabledLifecycleRules(group.companions(TYPES.bucketLifecycle));
        if (rules.length === 0) {
          report(
            `${group.label} has no enabled lifecycle rule: add an s3.BucketLifecycleConfiguration with at least one rule of status "Enabled".`,
            group.bucket.urn,
          );
          continue;
        }
        const environment = resolveEnvironment(context(), group.tags);
        if (!group.isArchive || environment === undefined) {
          continue;
        }
        const archive = settingsFor(environment).archive;
        const source = `ENVIRONMENT_SETTINGS.${environment}.archive`;
        for (const transition of archive.transitions) {
          const present = rules.some((rule) =>
            rule.transitions.some(
              (candidate) =>
                candidate.days === transition.afterDays &&
                candidate.storageClass === transition.storageClass,
            ),
          );
          if (!present) {
            report(
              `${group.label} does not move objects to ${transition.storageClass} after ${transition.afterDays} days (${source}.transitions): add that transition to an enabled lifecycle rule.`,
              group.bucket.urn,
            );
          }
        }
        const expirations = rules
          .map((rule) => rule.expirationDays)
          .filter((days) => days !== undefined);
        if (archive.expireAfterDays === undefined && expirations.length > 0) {
          report(
            `${group.label} expires objects after ${expirations.join(", ")} days, but ${environment} keeps the raw archive (${source} has no expireAfterDays): remove the expiration.`,
            group.bucket.urn,
          );
        }
        if (
          archive.expireAfterDays !== undefined &&
          !expirations.includes(archive.expireAfterDays)
        ) {
          report(
            `${group.label} does not expire objects after ${archive.expireAfterDays} days (${source}.expireAfterDays): add expiration: { days: ${archive.expireAfterDays} } to an enabled lifecycle rule.`,
            group.bucket.urn,
          );
        }
        const noncurrent = archive.noncurrentVersionExpireAfterDays;
        if (noncurrent !== undefined && !rules.some((rule) => rule.noncurrentDays === noncurrent)) {
          report(
            `${group.label} keeps noncurrent versions forever; ${environment} deletes them after ${noncurrent} days (${source}.noncurrentVersionExpireAfterDays): add noncurrentVersionExpiration: { noncurrentDays: ${noncurrent} } to an enabled lifecycle rule.`,
            group.bucket.urn,
          );
        }
      }
    }),
    stackPolicy(S3_RULES.versioning, (args, report) => {
      const archives = bucketGroups(args.resources).filter((group) => group.isArchive);
      if (archives.length === 0) {
        args.notApplicable("The stack has no raw archive bucket");
      }
      for (const group of archives) {
        const environment = resolveEnvironment(context(), group.tags);
        if (environment === undefined) {
          continue;
        }
        const statuses = group
          .companions(TYPES.bucketVersioning)
          .map((versioning) =>
            asString(asRecord(propsOf(versioning).versioningConfiguration)?.status),
          );
        const enabled = statuses.includes("Enabled");
        const wanted = settingsFor(environment).archive.versioning;
        const source = `ENVIRONMENT_SETTINGS.${environment}.archive.versioning`;
        if (wanted && !enabled) {
          const current =
            statuses.length === 0
              ? "no s3.BucketVersioning"
              : `versioning status ${statuses.map((status) => `"${status ?? "unset"}"`).join(", ")}`;
          report(
            `${group.label} has ${current}; ${environment} versions the raw archive (${source} is true): add an s3.BucketVersioning with versioningConfiguration.status "Enabled".`,
            group.bucket.urn,
          );
        }
        if (!wanted && enabled) {
          report(
            `${group.label} is versioned, but ${environment} keeps one version of each object (${source} is false): remove its s3.BucketVersioning.`,
            group.bucket.urn,
          );
        }
      }
    }),
  ];
}
