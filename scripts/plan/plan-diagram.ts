import {
  ENVIRONMENT_SETTINGS,
  type ArchiveTransition,
  type EnvironmentName,
  type EnvironmentSettings,
} from "../../modules/config/settings";
import { namerFor } from "../../modules/naming/physical-name";
import { planPlatformNames } from "../../modules/stack/platform-names";

/**
 * The data path as a Mermaid flowchart, which GitHub renders in comments, job summaries and the
 * README (https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams).
 * The same function draws one environment for the offline plan and all three for the README.
 */

/** The physical names the diagram shows. */
export interface DataPathNames {
  readonly stream: string;
  readonly table: string;
  readonly archive: string;
  readonly alarmTopic: string;
}

/** The diagram's nodes: id and the title each label starts with. */
export const DATA_PATH_COMPONENTS = [
  { id: "producers", title: "Producers" },
  { id: "stream", title: "Kinesis stream" },
  { id: "processor", title: "market-processor" },
  { id: "archiver", title: "market-archiver" },
  { id: "api", title: "analytics-api" },
  { id: "callers", title: "API callers" },
  { id: "table", title: "DynamoDB table" },
  { id: "archive", title: "S3 raw archive" },
  { id: "processorDlq", title: "processor dead-letter queue" },
  { id: "archiverDlq", title: "archiver dead-letter queue" },
  { id: "alarms", title: "CloudWatch alarms and logs" },
  { id: "alarmTopic", title: "SNS alarm topic" },
] as const;

export type DataPathComponent = (typeof DATA_PATH_COMPONENTS)[number]["id"];

/** The id of the subgraph the three functions run in. */
export const DATA_PATH_VPC = "vpc";

/** A deployment's names, built by the same functions the program uses. */
export function dataPathNames(environment: EnvironmentName, suffix: string): DataPathNames {
  const names = planPlatformNames(
    namerFor({ environment, region: ENVIRONMENT_SETTINGS[environment].region, suffix }),
  );
  return {
    stream: names.stream,
    table: names.table,
    archive: names.bucket,
    alarmTopic: names.alarmTopic,
  };
}

/** The names with `{env}` and `{suffix}` in place of an environment and its suffix, for the README. */
export function templateDataPathNames(): DataPathNames {
  const names = dataPathNames("dev", "x0");
  const template = (name: string) => name.replace(/^dev-/, "{env}-").replace(/-x0$/, "-{suffix}");
  return {
    stream: template(names.stream),
    table: template(names.table),
    archive: template(names.archive),
    alarmTopic: template(names.alarmTopic),
  };
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

const STORAGE_CLASS_WORDS: Readonly<Record<ArchiveTransition["storageClass"], string>> = {
  STANDARD_IA: "Standard-IA",
  GLACIER_IR: "Glacier IR",
  GLACIER: "Glacier Flexible Retrieval",
  DEEP_ARCHIVE: "Glacier Deep Archive",
};

function tableCapacity(settings: EnvironmentSettings): string {
  const capacity = settings.table.capacity;
  return capacity.mode === "on-demand"
    ? `on-demand, at most ${integer.format(capacity.maxReadRequestUnits)} read / ${integer.format(capacity.maxWriteRequestUnits)} write units/s`
    : `provisioned ${capacity.readCapacityUnits} / ${capacity.writeCapacityUnits}, auto scaled to ${integer.format(capacity.maxReadCapacityUnits)} / ${integer.format(capacity.maxWriteCapacityUnits)} at ${capacity.targetUtilizationPercent}%`;
}

function archiveLifecycle(settings: EnvironmentSettings): string {
  const archive = settings.archive;
  const parts = archive.transitions.map(
    (t) => `${STORAGE_CLASS_WORDS[t.storageClass]} at ${t.afterDays} d`,
  );
  if (archive.expireAfterDays !== undefined) {
    parts.push(`expires at ${archive.expireAfterDays} d`);
  }
  parts.push(
    archive.versioning
      ? `versioned, old versions expire at ${archive.noncurrentVersionExpireAfterDays ?? "-"} d`
      : "not versioned",
  );
  return parts.join(", ");
}

/** One value per environment: once when all agree, else `a / b / c` in the environments' order. */
function per(
  all: readonly EnvironmentSettings[],
  value: (s: EnvironmentSettings) => string,
): string {
  const values = all.map(value);
  return new Set(values).size === 1 ? values[0] : values.join(" / ");
}

/** A long value per environment: once when all agree, else one line per environment. */
function perLine(
  all: readonly EnvironmentSettings[],
  value: (s: EnvironmentSettings) => string,
): string[] {
  const values = all.map(value);
  return new Set(values).size === 1 ? [values[0]] : all.map((s, i) => `${s.name}: ${values[i]}`);
}

function plural(all: readonly EnvironmentSettings[], value: (s: EnvironmentSettings) => number) {
  return all.some((s) => value(s) !== 1) ? "s" : "";
}

/** Mermaid label text: quoted, so only a double quote needs an entity. */
function label(lines: readonly string[]): string {
  return `"${lines.join("<br/>").replace(/"/g, "#quot;")}"`;
}

/**
 * A Mermaid flowchart of the data path with each part's size: shards and stream retention, the
 * functions' memory, batches and concurrency, the table's capacity mode and bar retention, the
 * archive's lifecycle, the dead-letter queues' and logs' retention. Given several environments,
 * each size reads `dev / staging / production`.
 */
export function dataPathDiagram(
  environments: readonly EnvironmentName[],
  names: DataPathNames,
): string {
  if (environments.length === 0) {
    throw new Error("The data path diagram needs at least one environment.");
  }
  const all = environments.map((environment) => ENVIRONMENT_SETTINGS[environment]);
  const mb = per(all, (s) => String(s.lambda.memoryMb));
  const nodes: Readonly<Record<DataPathComponent, { shape: [string, string]; lines: string[] }>> = {
    producers: {
      shape: ["[", "]"],
      lines: ["Producers", "PutRecords, partition key = symbol"],
    },
    stream: {
      shape: ["[", "]"],
      lines: [
        "Kinesis stream",
        names.stream,
        `${per(all, (s) => String(s.stream.shardCount))} shard${plural(all, (s) => s.stream.shardCount)}, ${per(all, (s) => String(s.stream.retentionHours))} h retention, KMS`,
      ],
    },
    processor: {
      shape: ["[", "]"],
      lines: [
        "market-processor",
        `${mb} MB arm64, batches of ${per(all, (s) => integer.format(s.lambda.batchSize))}`,
        `${per(all, (s) => String(s.lambda.parallelizationFactor))} per shard, reserved ${per(all, (s) => String(s.lambda.streamConsumerReservedConcurrency))}`,
      ],
    },
    archiver: {
      shape: ["[", "]"],
      lines: [
        "market-archiver",
        `${mb} MB arm64, reserved ${per(all, (s) => String(s.lambda.streamConsumerReservedConcurrency))}`,
        `${per(all, (s) => integer.format(s.archiver.batchSize))} records or ${per(all, (s) => String(s.archiver.batchingWindowSeconds))} s`,
      ],
    },
    api: {
      shape: ["[", "]"],
      lines: [
        "analytics-api",
        `${mb} MB arm64, reserved ${per(all, (s) => String(s.lambda.apiReservedConcurrency))}`,
      ],
    },
    callers: {
      shape: ["[", "]"],
      lines: ["API callers", "SigV4-signed GET /bars, /latest"],
    },
    table: {
      shape: ["[(", ")]"],
      lines: [
        "DynamoDB table",
        names.table,
        ...perLine(all, tableCapacity),
        `1-minute bars kept ${per(all, (s) => String(s.table.barRetentionDays))} d (TTL), PITR ${per(all, (s) => (s.table.pointInTimeRecovery ? "on" : "off"))}`,
      ],
    },
    archive: {
      shape: ["[(", ")]"],
      lines: ["S3 raw archive", names.archive, "gzip NDJSON", ...perLine(all, archiveLifecycle)],
    },
    processorDlq: {
      shape: ["[", "]"],
      lines: [
        "processor dead-letter queue",
        `SQS, keeps ${per(all, (s) => String(s.queues.dlqRetentionSeconds / 86_400))} d`,
      ],
    },
    archiverDlq: {
      shape: ["[", "]"],
      lines: [
        "archiver dead-letter queue",
        `SQS, keeps ${per(all, (s) => String(s.queues.dlqRetentionSeconds / 86_400))} d`,
      ],
    },
    alarms: {
      shape: ["[", "]"],
      lines: [
        "CloudWatch alarms and logs",
        `logs kept ${per(all, (s) => String(s.logRetentionDays))} d`,
      ],
    },
    alarmTopic: {
      shape: ["[", "]"],
      lines: [
        "SNS alarm topic",
        names.alarmTopic,
        `alarms notify: ${per(all, (s) => (s.alarmsNotify ? "yes" : "no"))}`,
      ],
    },
  };
  const node = (id: DataPathComponent, indent = "  ") =>
    `${indent}${id}${nodes[id].shape[0]}${label(nodes[id].lines)}${nodes[id].shape[1]}`;
  const vpc = [
    "VPC",
    `${per(all, (s) => String(s.network.availabilityZoneCount))} isolated subnets, no NAT`,
    "S3 and DynamoDB gateway endpoints",
    `flow logs ${per(all, (s) => (s.network.flowLogs ? "on" : "off"))}`,
  ];
  return [
    "flowchart LR",
    node("producers"),
    node("stream"),
    `  subgraph ${DATA_PATH_VPC}[${label(vpc)}]`,
    node("processor", "    "),
    node("archiver", "    "),
    node("api", "    "),
    "  end",
    node("callers"),
    node("table"),
    node("archive"),
    node("processorDlq"),
    node("archiverDlq"),
    node("alarms"),
    node("alarmTopic"),
    `  producers -->|"PutRecords"| stream`,
    `  stream -->|"enhanced fan-out"| processor`,
    `  stream -->|"shared polling"| archiver`,
    `  processor -->|"conditional writes"| table`,
    `  archiver -->|"one object per batch"| archive`,
    `  callers -->|"Function URL, AWS_IAM"| api`,
    `  api -->|"queries"| table`,
    `  processor -.->|"failed batches"| processorDlq`,
    `  archiver -.->|"failed batches"| archiverDlq`,
    `  alarms -.-> alarmTopic`,
  ].join("\n");
}

/** The node ids a Mermaid flowchart defines (`id[...]`, `id[(...)]`), subgraphs included. */
export function mermaidNodeIds(diagram: string): string[] {
  return [...diagram.matchAll(/^\s*(?:subgraph\s+)?([A-Za-z][A-Za-z0-9]*)\[/gm)].map(
    (match) => match[1],
  );
}
