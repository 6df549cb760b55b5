import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentSettings,
} from "../../modules/config/settings";
import { TRANSITION_MINIMUM_OBJECT_BYTES } from "../../modules/storage/archive-lifecycle";
import { estimateMonthlyCost } from "../../scripts/plan/cost-model";
import {
  estimateArchiveObjects,
  type ArchiveObjectEstimate,
} from "../../scripts/plan/cost-model-archive";
import { TRAFFIC } from "../../scripts/plan/cost-model-traffic";

/**
 * Each environment's archive objects at its expected rate (rate x window x compression), and what
 * the cost model makes of them: S3 lifecycle transitions act only on objects of 128 KB and more.
 */

describe("archive objects at each environment's expected rate", () => {
  test.each<[string, ArchiveObjectEstimate]>([
    [
      "dev",
      {
        recordsPerSecondPerBatch: 5,
        recordsPerObject: 25,
        limitedBy: "batching window",
        objectBytes: 742.5,
        objectsPerMonth: 525_600,
        transitions: false,
      },
    ],
    [
      "staging",
      {
        recordsPerSecondPerBatch: 10,
        recordsPerObject: 3000,
        limitedBy: "batching window",
        objectBytes: 249_600,
        objectsPerMonth: 17_520,
        transitions: true,
      },
    ],
    [
      "production",
      {
        recordsPerSecondPerBatch: 15,
        recordsPerObject: 1800,
        limitedBy: "batching window",
        objectBytes: 288_000,
        objectsPerMonth: 87_600,
        transitions: true,
      },
    ],
  ] as const)("%s", (env, estimate) => {
    expect(estimateArchiveObjects(ENVIRONMENT_SETTINGS[env as keyof typeof TRAFFIC])).toEqual(
      estimate,
    );
  });

  test.each(ENVIRONMENT_NAMES)(
    "%s: the archive tiers exactly where its objects reach 128 KB, so no transition is dead and no saving is missed",
    (env) => {
      const settings = ENVIRONMENT_SETTINGS[env];
      const { objectBytes } = estimateArchiveObjects(settings);
      expect({ env, tiers: settings.archive.transitions.length > 0 }).toEqual({
        env,
        tiers: objectBytes >= TRANSITION_MINIMUM_OBJECT_BYTES,
      });
    },
  );

  test.each(
    ENVIRONMENT_NAMES.filter((env) => ENVIRONMENT_SETTINGS[env].archive.transitions.length > 0),
  )(
    "%s: objects clear 128 KB even at the best gzip ratio measured (0.15) and with the rate 20% lower",
    (env) => {
      const traffic = {
        ...TRAFFIC[env],
        archiveGzipRatio: 0.15,
        ticksPerSecond: TRAFFIC[env].ticksPerSecond * 0.8,
      };
      expect(
        estimateArchiveObjects(ENVIRONMENT_SETTINGS[env], traffic).objectBytes,
      ).toBeGreaterThanOrEqual(TRANSITION_MINIMUM_OBJECT_BYTES);
    },
  );

  const production = ENVIRONMENT_SETTINGS.production;
  const withArchiver = (change: Partial<EnvironmentSettings["archiver"]>): EnvironmentSettings => ({
    ...production,
    archiver: { ...production.archiver, ...change },
  });

  test.each<
    [
      string,
      EnvironmentSettings,
      Partial<typeof TRAFFIC.production>,
      ArchiveObjectEstimate["limitedBy"],
      number,
    ]
  >([
    ["the window, at the expected rate", production, {}, "batching window", 1800],
    [
      "the batch size, when it is smaller",
      withArchiver({ batchSize: 1000 }),
      {},
      "batch size",
      1000,
    ],
    // 4,000 records/s per shard x 120 s; 6 MB / (1,336 B of base64 + 600 B of event) = 3,249.
    [
      "6 MB of event, at market open",
      production,
      { ticksPerSecond: 160_000 },
      "6 MB payload",
      3249,
    ],
    // A window of 0 still gathers the second between polls.
    [
      "a second, without a window",
      withArchiver({ batchingWindowSeconds: 0 }),
      {},
      "batching window",
      15,
    ],
    [
      "one record, when fewer arrive in a window",
      production,
      { ticksPerSecond: 0.02 },
      "batching window",
      1,
    ],
  ])("a batch ends at %s", (_case, settings, traffic, limitedBy, records) => {
    const estimate = estimateArchiveObjects(settings, { ...TRAFFIC.production, ...traffic });
    expect({ limitedBy: estimate.limitedBy, records: estimate.recordsPerObject }).toEqual({
      limitedBy,
      records,
    });
  });
});

describe("what the cost model charges for retention and the archive", () => {
  const line = (settings: EnvironmentSettings, item: string, traffic = TRAFFIC[settings.name]) => {
    const found = estimateMonthlyCost(settings, 13, traffic).lines.find((l) => l.item === item);
    if (found === undefined) {
      throw new Error(`no "${item}" line`);
    }
    return found;
  };

  test.each([
    ["dev", "24 h, included in the shard price", 0],
    // 2 shards x 730 h x $0.02
    ["staging", "72 h, 2 shard(s)", 29.2],
    // 4 shards x 730 h x $0.02
    ["production", "168 h, 4 shard(s)", 58.4],
  ] as const)("%s: extended stream retention, per shard-hour", (env, basis, usd) => {
    expect(line(ENVIRONMENT_SETTINGS[env], "extended retention")).toEqual({
      service: "Kinesis",
      item: "extended retention",
      basis,
      monthlyUsd: usd,
    });
  });

  test("extended retention costs the same for 25 hours as for 168", () => {
    const retention = (retentionHours: number) =>
      line(
        { ...ENVIRONMENT_SETTINGS.production, stream: { shardCount: 4, retentionHours } },
        "extended retention",
      ).monthlyUsd;
    expect(retention(25)).toBe(retention(168));
  });

  test.each([
    [
      "dev",
      "objects ~0.7 KB gzip (25 records, batching window); kept 60 d: 0.7 GB, all Standard",
      0.02,
      "526k PUTs",
      2.63,
    ],
    [
      "staging",
      "objects ~244 KB gzip (3,000 records, batching window); month 12: 48.9 GB, 30 d Standard, 60 d Standard-IA, 275 d Glacier IR",
      0.34,
      "18k PUTs + 2 lifecycle transitions per object",
      0.61,
    ],
    [
      // 23.5 GB a month: 30 d in Standard ($0.53), 60 d in Standard-IA ($0.58), 275 d in Glacier IR
      // ($0.85); 87.6k objects x ($0.005 PUT + $0.01 + $0.02 transitions) per 1,000.
      "production",
      "objects ~281 KB gzip (1,800 records, batching window); month 12: 282.0 GB, 30 d Standard, 60 d Standard-IA, 275 d Glacier IR",
      1.96,
      "88k PUTs + 2 lifecycle transitions per object",
      3.07,
    ],
  ] as const)(
    "%s: archive storage by tier, and its requests",
    (env, storage, storageUsd, requests, requestsUsd) => {
      const settings = ENVIRONMENT_SETTINGS[env];
      expect(line(settings, "raw archive storage")).toEqual({
        service: "S3",
        item: "raw archive storage",
        basis: storage,
        monthlyUsd: storageUsd,
      });
      expect(line(settings, "raw archive requests")).toEqual({
        service: "S3",
        item: "raw archive requests",
        basis: requests,
        monthlyUsd: requestsUsd,
      });
    },
  );

  test("objects under 128 KB stay in Standard even where transitions are configured, and cost no transition requests", () => {
    const staging = ENVIRONMENT_SETTINGS.staging;
    const trickle = { ...TRAFFIC.staging, ticksPerSecond: 10 };
    const storage = line(staging, "raw archive storage", trickle);
    expect(storage.basis).toBe(
      "objects ~24 KB gzip (300 records, batching window); month 12: 4.9 GB, all Standard: objects under 128 KB never transition",
    );
    // All of it at the Standard price: 4.9 GB x $0.023.
    expect(storage.monthlyUsd).toBe(0.11);
    expect(line(staging, "raw archive requests", trickle).basis).toBe("18k PUTs");
  });
});
