import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Bar } from "../../functions/domain/bar";
import { MINUTE_MS } from "../../functions/domain/time";
import { mapWithConcurrency } from "../../functions/shared/concurrency";
import type { ArchiveBars } from "./archive-bars";
import { barsFromRecords } from "./archive-bars";
import { readArchive } from "./archive-records";
import { queryBars } from "./bar-query";
import { count, formatMinute } from "./cli";

/**
 * A range of bars, chunk by chunk: what the archive says each bar should be, and what the table
 * holds. Shared by `rebuild-bars` and `reconcile`.
 *
 * Which archive objects: those of the arrival hours from `from - ARCHIVE_LEAD_MINUTES` to
 * `to + lateMinutes`. Ticks of the range arrive from `from` on (a producer's clock may run a little
 * ahead), and the object of a batch sits under its FIRST record's arrival, which precedes the
 * others' by up to the archiver's batching window (at most 5 minutes) and the time it took to
 * read the batch; {@link ARCHIVE_LEAD_MINUTES} covers both. Trades that arrive more than
 * `lateMinutes` after the range ends are not looked for.
 *
 * Memory: a chunk's distinct trades are held at once, so long ranges are cut into chunks of
 * {@link CHUNK_MINUTES} of trade time; each chunk reads its own hours of the archive.
 */

export const ARCHIVE_LEAD_MINUTES = 15;
export const CHUNK_MINUTES = 60;

export interface RangeScanOptions {
  readonly s3: S3Client;
  readonly bucketName: string;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly from: number;
  readonly to: number;
  /** @default - every symbol with a trade in the archive for the chunk */
  readonly symbols?: readonly string[];
  readonly lateMinutes: number;
  /** Progress lines (to stderr). */
  readonly progress: (line: string) => void;
  /** The clock for progress throttling. @default Date.now */
  readonly now?: () => number;
}

export interface RangeChunk {
  readonly from: number;
  readonly to: number;
  readonly archive: ArchiveBars;
  readonly objects: number;
  readonly duplicateLines: number;
  /** Archive objects or lines that could not be read. */
  readonly problems: readonly string[];
  /** The table's bars of the chunk for the symbols looked at, by bar key. */
  readonly table: ReadonlyMap<string, Bar | Error>;
  /** Symbols looked at in the table. */
  readonly symbols: readonly string[];
}

/** Scans `[from, to)` chunk by chunk. */
export async function* scanRange(options: RangeScanOptions): AsyncGenerator<RangeChunk> {
  const now = options.now ?? Date.now;
  const symbolFilter = options.symbols === undefined ? undefined : new Set(options.symbols);
  for (let from = options.from; from < options.to; from += CHUNK_MINUTES * MINUTE_MS) {
    const to = Math.min(options.to, from + CHUNK_MINUTES * MINUTE_MS);
    const label = `${formatMinute(from)}..${formatMinute(to)}`;
    let lastProgress = now();
    const read = await readArchive(options.s3, options.bucketName, {
      firstArrivalMs: from - ARCHIVE_LEAD_MINUTES * MINUTE_MS,
      lastArrivalMs: to + options.lateMinutes * MINUTE_MS - 1,
      onProgress: (done, total) => {
        if (done === total || now() - lastProgress >= 2_000) {
          lastProgress = now();
          options.progress(`${label}: read ${done} of ${count(total, "archive object")}`);
        }
      },
    });
    const archive = barsFromRecords(read.records, { from, to, symbols: symbolFilter });
    const symbols = options.symbols ?? archive.symbols;
    const table = new Map<string, Bar | Error>();
    const perSymbol = await mapWithConcurrency(symbols, 8, (symbol) =>
      queryBars(options.dynamodb, options.tableName, symbol, from, to),
    );
    for (const bars of perSymbol) {
      for (const [key, bar] of bars) {
        table.set(key, bar);
      }
    }
    options.progress(
      `${label}: ${count(read.records.length, "archived record")} in ${count(read.objects, "object")}, ${count(archive.bars.size, "bar")} in the archive, ${table.size} in the table`,
    );
    yield {
      from,
      to,
      archive,
      objects: read.objects,
      duplicateLines: read.duplicateLines,
      problems: read.problems,
      table,
      symbols,
    };
  }
}
