import { formatInteger, formatMs } from "./text-table";

/** What the local run shows once a second while it runs. */
export interface ProgressSnapshot {
  readonly phase: "sending" | "draining";
  readonly elapsedSeconds: number;
  readonly ticksSent: number;
  /** Ticks in records the processor has finished with (in bars or skipped as malformed). */
  readonly ticksProcessed: number;
  readonly recordsSent: number;
  readonly recordsArchived: number;
  readonly malformedTicks: number;
  /** Highest iterator age over the pollers, in ms. */
  readonly lagMs: number;
}

export function formatProgress(snapshot: ProgressSnapshot): string {
  return [
    `[${snapshot.elapsedSeconds.toFixed(0).padStart(3)} s] ${snapshot.phase.padEnd(8)}`,
    `sent ${formatInteger(snapshot.ticksSent)} ticks`,
    `processed ${formatInteger(snapshot.ticksProcessed)}`,
    `archived ${formatInteger(snapshot.recordsArchived)}/${formatInteger(snapshot.recordsSent)} records`,
    `malformed ${formatInteger(snapshot.malformedTicks)}`,
    `lag ${formatMs(snapshot.lagMs)}`,
  ].join(" | ");
}

/** Where progress goes: one line rewritten in place on a terminal, appended lines otherwise. */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class ProgressLine {
  private drawn = false;

  constructor(private readonly output: ProgressOutput) {}

  update(snapshot: ProgressSnapshot): void {
    const text = formatProgress(snapshot);
    if (this.output.isTTY) {
      this.output.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else {
      this.output.write(`${text}\n`);
    }
  }

  /** Ends the updating line so that what follows starts on a fresh one. */
  finish(): void {
    if (this.drawn) {
      this.output.write("\n");
      this.drawn = false;
    }
  }
}
