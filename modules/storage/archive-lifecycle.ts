import type { EnvironmentSettings } from "../config/settings";

/** Where the archiver writes raw ticks; transitions apply to this prefix. */
export const RAW_PREFIX = "raw/";

/**
 * S3 lifecycle's default since September 2024, set here on purpose: objects under 128 KB never
 * transition. `varies_by_storage_class` would let small objects move only to Glacier Flexible
 * Retrieval and Deep Archive, not to the Standard-IA and Glacier Instant Retrieval tiers the archive
 * uses, and those bill at least 128 KB per object anyway
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html,
 * `TransitionDefaultMinimumObjectSize` in the S3 API reference). The archiver's batches are sized
 * per environment so that its objects clear this bar (`archiver` in the settings table).
 */
export const TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE = "all_storage_classes_128K";

/** Objects smaller than this never transition (`TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE`). */
export const TRANSITION_MINIMUM_OBJECT_BYTES = 128 * 1024;

/** Days after which an unfinished multipart upload is aborted, so its parts stop costing money. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/** One S3 lifecycle rule, in the shape `aws.s3.BucketLifecycleConfiguration` takes. */
export interface LifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  /** Empty for the whole bucket. */
  readonly filter: { readonly prefix?: string };
  readonly transitions?: readonly { readonly days: number; readonly storageClass: string }[];
  readonly expiration?: { readonly days?: number; readonly expiredObjectDeleteMarker?: boolean };
  readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number };
  readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
}

/**
 * The archive's lifecycle rules for one environment's settings. Rejects settings S3 would reject or
 * that would never take effect, saying which value to change.
 */
export function archiveLifecycleRules(archive: EnvironmentSettings["archive"]): LifecycleRule[] {
  const { transitions, expireAfterDays, noncurrentVersionExpireAfterDays, versioning } = archive;
  let previous = 0;
  for (const transition of transitions) {
    if (!Number.isInteger(transition.afterDays) || transition.afterDays <= previous) {
      throw new Error(
        `Archive transition to ${transition.storageClass} after ${transition.afterDays} days is invalid: transitions need whole days, each later than the one before (previous: ${previous}).`,
      );
    }
    previous = transition.afterDays;
  }
  if (expireAfterDays !== undefined && previous >= expireAfterDays) {
    throw new Error(
      `Archive objects expire after ${expireAfterDays} days but transition after ${previous}: drop the transitions at or after ${expireAfterDays} days or raise expireAfterDays.`,
    );
  }
  if (noncurrentVersionExpireAfterDays !== undefined && !versioning) {
    throw new Error(
      `noncurrentVersionExpireAfterDays is ${noncurrentVersionExpireAfterDays} but versioning is off: only a versioned bucket has noncurrent versions. Turn versioning on or remove the setting.`,
    );
  }

  const rules: LifecycleRule[] = [
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
    },
  ];
  if (transitions.length > 0) {
    rules.push({
      id: "raw-storage-tiering",
      status: "Enabled",
      filter: { prefix: RAW_PREFIX },
      transitions: transitions.map((t) => ({ days: t.afterDays, storageClass: t.storageClass })),
    });
  }
  if (expireAfterDays !== undefined) {
    rules.push({
      id: "expire-objects",
      status: "Enabled",
      filter: {},
      expiration: { days: expireAfterDays },
    });
  }
  if (noncurrentVersionExpireAfterDays !== undefined) {
    rules.push({
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: noncurrentVersionExpireAfterDays },
      // Once its older versions are gone, a delete marker is removed too.
      expiration: { expiredObjectDeleteMarker: true },
    });
  }
  return rules;
}
