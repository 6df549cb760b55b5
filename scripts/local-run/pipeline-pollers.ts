/**
 * The local run's event source mappings: what was sent and committed, the shard pollers that feed
 * the processor and the archiver, and the wait for them to catch up once the producers stop.
 */
import type { KinesisClient, _Record as KinesisRecord } from "@aws-sdk/client-kinesis";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { REGION } from "../../modules/config/settings";
import { ShardPoller, type BatchInvoker } from "../local-aws/event-source-mapping";
import type { SimulatedMapping } from "../local-aws/event-source-mapping-deployed";
import type { DeadLetteredBatch } from "../local-aws/kinesis-batch";
import type { SentRecordView } from "./archive-audit";
import type { Cleanup, PipelineFunctions } from "./pipeline-functions";
import { roleArn, type LocalNames, type LocalStream } from "./local-resources";

/**
 * How long the pipeline may take to catch up after the producers stop, in ms, beyond the
 * archiver's batching window.
 */
const DRAIN_TIMEOUT_MS = 180_000;

export interface SentRecord extends SentRecordView {
  readonly ticks: number;
}

/** What the producers sent and the pollers committed, as both sides note it. */
export interface RunTraffic {
  /** Each record Kinesis stored, by `shardId:sequenceNumber`. */
  readonly sent: Map<string, SentRecord>;
  readonly lastSequenceByShard: Map<string, bigint>;
  readonly counters: {
    ticksSent: number;
    recordsSent: number;
    malformedTicksGenerated: number;
    ticksProcessed: number;
    recordsArchived: number;
  };
  /** A poller can commit a record before its PutRecords response has been handled here. */
  readonly committedBeforeSent: Set<string>;
  readonly deadLettered: DeadLetteredBatch[];
}

export function newRunTraffic(): RunTraffic {
  return {
    sent: new Map<string, SentRecord>(),
    lastSequenceByShard: new Map<string, bigint>(),
    counters: {
      ticksSent: 0,
      recordsSent: 0,
      malformedTicksGenerated: 0,
      ticksProcessed: 0,
      recordsArchived: 0,
    },
    committedBeforeSent: new Set<string>(),
    deadLettered: [],
  };
}

export interface RunPollers {
  readonly pollers: readonly ShardPoller[];
  /** Stops every poller, once. */
  readonly stop: () => Promise<void>;
}

/**
 * Starts the processor's and the archiver's pollers, `parallelizationFactor` lanes per shard as
 * each mapping is configured, noting what they commit and dead-letter in `traffic`; registers
 * their stop with `cleanup`.
 */
export function startPollers(run: {
  readonly kinesis: KinesisClient;
  readonly stream: LocalStream;
  readonly names: LocalNames;
  readonly functions: PipelineFunctions;
  readonly traffic: RunTraffic;
  readonly cleanup: Cleanup;
}): RunPollers {
  const { stream, names, functions, traffic } = run;
  const { processor, archiver } = functions;
  const pollers: ShardPoller[] = [];
  const addPollers = (
    mapping: SimulatedMapping,
    functionName: string,
    invokeIdentityArn: string,
    invoke: BatchInvoker,
    onCommitted: (shardId: string, records: readonly KinesisRecord[]) => void,
  ): void => {
    // Each shard is read in `parallelizationFactor` lanes, as the mapping is configured.
    const laneCount = mapping.parallelizationFactor;
    for (const shardId of stream.shardIds) {
      for (let laneIndex = 0; laneIndex < laneCount; laneIndex += 1) {
        pollers.push(
          new ShardPoller(
            run.kinesis,
            {
              streamName: stream.streamName,
              streamArn: stream.streamArn,
              shardId,
              region: REGION,
              ...(laneCount > 1 ? { lane: { index: laneIndex, count: laneCount } } : {}),
              functionName,
              invokeIdentityArn,
            },
            mapping,
            invoke,
            { onCommitted, onDeadLettered: (batch) => traffic.deadLettered.push(batch) },
          ),
        );
      }
    }
  };
  addPollers(
    functions.processorMapping,
    names.functions.processor,
    roleArn(names.roles.processor),
    (event: KinesisStreamEvent) => processor.invoke<KinesisStreamBatchResponse>(event),
    (committedShard, records) => {
      for (const record of records) {
        const id = `${committedShard}:${record.SequenceNumber ?? ""}`;
        const original = traffic.sent.get(id);
        if (original) {
          traffic.counters.ticksProcessed += original.ticks;
        } else {
          traffic.committedBeforeSent.add(id);
        }
      }
    },
  );
  addPollers(
    functions.archiverMapping,
    names.functions.archiver,
    roleArn(names.roles.archiver),
    (event: KinesisStreamEvent) => archiver.invoke<KinesisStreamBatchResponse>(event),
    (_shard, records) => {
      traffic.counters.recordsArchived += records.length;
    },
  );
  let pollersStopped = false;
  const stopPollers = async (): Promise<void> => {
    if (!pollersStopped) {
      pollersStopped = true;
      await Promise.all(pollers.map((poller) => poller.stop()));
    }
  };
  run.cleanup.add(stopPollers);
  for (const poller of pollers) {
    poller.start();
  }
  return { pollers, stop: stopPollers };
}

/**
 * Waits until every poller has checkpointed the last record sent to its shard; throws, naming
 * where each poller stands, when that takes longer than the drain timeout plus the archiver's
 * batching window.
 */
export async function waitForDrain(run: {
  readonly pollers: readonly ShardPoller[];
  readonly traffic: RunTraffic;
  readonly archiverWindowSeconds: number;
  readonly logDirectory?: string;
}): Promise<void> {
  const { pollers } = run;
  const drainTimeoutMs = DRAIN_TIMEOUT_MS + run.archiverWindowSeconds * 1000;
  const drained = Promise.all(
    pollers.map((poller) => {
      const last = run.traffic.lastSequenceByShard.get(poller.source.shardId);
      return last === undefined ? Promise.resolve() : poller.waitForCheckpoint(last.toString());
    }),
  );
  let drainTimer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    drainTimer = setTimeout(() => resolve("timeout"), drainTimeoutMs);
  });
  const drainOutcome = await Promise.race([drained.then(() => "drained" as const), timedOut]);
  clearTimeout(drainTimer);
  if (drainOutcome === "timeout") {
    const behind = pollers
      .map(
        (poller) =>
          `${poller.source.functionName} ${poller.source.shardId} at ${poller.checkpointSequenceNumber ?? "TRIM_HORIZON"}`,
      )
      .join("; ");
    throw new Error(
      `The consumers did not catch up within ${drainTimeoutMs / 1000} s of the producers stopping (${behind}). See the function logs${run.logDirectory ? ` in ${run.logDirectory}` : ""}.`,
    );
  }
}
