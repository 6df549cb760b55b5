import { ENVIRONMENT_SETTINGS, type EnvironmentSettings } from "../config/settings";
import {
  archiveLifecycleRules,
  TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE,
  TRANSITION_MINIMUM_OBJECT_BYTES,
} from "./archive-lifecycle";

type Archive = EnvironmentSettings["archive"];

const abort = {
  id: "abort-incomplete-multipart-uploads",
  status: "Enabled",
  filter: {},
  abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
};

describe("archiveLifecycleRules", () => {
  test("dev: no tiering (its objects stay under 128 KB), objects expire after 60 days", () => {
    expect(archiveLifecycleRules(ENVIRONMENT_SETTINGS.dev.archive)).toEqual([
      abort,
      { id: "expire-objects", status: "Enabled", filter: {}, expiration: { days: 60 } },
    ]);
  });

  test("a transition before expiry is kept", () => {
    expect(
      archiveLifecycleRules({
        versioning: false,
        transitions: [{ afterDays: 30, storageClass: "STANDARD_IA" }],
        expireAfterDays: 60,
      }),
    ).toEqual([
      abort,
      {
        id: "raw-storage-tiering",
        status: "Enabled",
        filter: { prefix: "raw/" },
        transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
      },
      { id: "expire-objects", status: "Enabled", filter: {}, expiration: { days: 60 } },
    ]);
  });

  test("staging: tiering only, kept until deleted", () => {
    expect(archiveLifecycleRules(ENVIRONMENT_SETTINGS.staging.archive)).toEqual([
      abort,
      {
        id: "raw-storage-tiering",
        status: "Enabled",
        filter: { prefix: "raw/" },
        transitions: [
          { days: 30, storageClass: "STANDARD_IA" },
          { days: 90, storageClass: "GLACIER_IR" },
        ],
      },
    ]);
  });

  test("production: tiering, noncurrent versions expire after 30 days with their delete markers", () => {
    expect(archiveLifecycleRules(ENVIRONMENT_SETTINGS.production.archive)).toEqual([
      abort,
      {
        id: "raw-storage-tiering",
        status: "Enabled",
        filter: { prefix: "raw/" },
        transitions: [
          { days: 30, storageClass: "STANDARD_IA" },
          { days: 90, storageClass: "GLACIER_IR" },
        ],
      },
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 30 },
        expiration: { expiredObjectDeleteMarker: true },
      },
    ]);
  });

  test("no transitions means no tiering rule", () => {
    expect(archiveLifecycleRules({ versioning: false, transitions: [] })).toEqual([abort]);
  });

  test.each<[string, Archive, string]>([
    [
      "a transition at or after expiry",
      {
        versioning: false,
        transitions: [
          { afterDays: 30, storageClass: "STANDARD_IA" },
          { afterDays: 90, storageClass: "GLACIER_IR" },
        ],
        expireAfterDays: 60,
      },
      "Archive objects expire after 60 days but transition after 90: drop the transitions at or after 60 days or raise expireAfterDays.",
    ],
    [
      "transitions out of order",
      {
        versioning: false,
        transitions: [
          { afterDays: 90, storageClass: "GLACIER_IR" },
          { afterDays: 30, storageClass: "STANDARD_IA" },
        ],
      },
      "Archive transition to STANDARD_IA after 30 days is invalid: transitions need whole days, each later than the one before (previous: 90).",
    ],
    [
      "a fractional day",
      { versioning: false, transitions: [{ afterDays: 30.5, storageClass: "STANDARD_IA" }] },
      "Archive transition to STANDARD_IA after 30.5 days is invalid: transitions need whole days, each later than the one before (previous: 0).",
    ],
    [
      "a transition on day zero",
      { versioning: false, transitions: [{ afterDays: 0, storageClass: "GLACIER" }] },
      "Archive transition to GLACIER after 0 days is invalid: transitions need whole days, each later than the one before (previous: 0).",
    ],
    [
      "noncurrent expiry without versioning",
      { versioning: false, transitions: [], noncurrentVersionExpireAfterDays: 30 },
      "noncurrentVersionExpireAfterDays is 30 but versioning is off: only a versioned bucket has noncurrent versions. Turn versioning on or remove the setting.",
    ],
  ])("rejects %s", (_case, archive, message) => {
    expect(() => archiveLifecycleRules(archive)).toThrow(message);
  });

  test("objects under 128 KB never transition, as S3 lifecycle does by default since 2024", () => {
    expect(TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE).toBe("all_storage_classes_128K");
    expect(TRANSITION_MINIMUM_OBJECT_BYTES).toBe(131_072);
  });
});
