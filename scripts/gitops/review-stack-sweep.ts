import { spawnSync } from "node:child_process";

import { REVIEW_STACK_MAX_AGE_VARIABLE, environmentDirectory } from "../../environments/backends";
import { reviewStack, type ReviewStack } from "../../modules/config/review-stack";
import { stripAnsi, type GhRunner } from "./github";
import { cell } from "./review-stack-comment";
import { REVIEW_STACK_LABEL } from "./review-stack-options";
import {
  reviewStacksInState,
  stackFilesPrefix,
  writeReviewStackFile,
  type ListStateObjects,
  type ReviewStackState,
} from "./review-stack-state";

/**
 * The review-stack sweeper (.github/workflows/review-stack-sweeper.yml, `review-stacks.ts sweep`):
 * which review stacks to remove and why, their removal with `pulumi destroy --remove`, and the
 * job summary of what was decided and how it went.
 */

const DAY_MS = 86_400_000;

/** What the sweeper needs to know about a pull request. */
export interface PullRequestState {
  readonly number: number;
  readonly state: "open" | "closed";
  readonly merged: boolean;
  readonly labels: readonly string[];
}

export interface SweepDecision {
  readonly stack: string;
  readonly pullRequest: number;
  readonly lastUpdated: Date;
  /** Whole days since the stack was last updated. */
  readonly idleDays: number;
  readonly action: "remove" | "keep";
  readonly reason: string;
}

function idle(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  if (hours < 48) {
    return `${hours} hour${hours === 1 ? "" : "s"}`;
  }
  const days = Math.floor(ms / DAY_MS);
  return `${days} days`;
}

/**
 * Which review stacks the sweeper removes: those whose pull request is gone, closed or merged, or
 * no longer labelled, and those not updated for `maxAgeDays` days (a labelled pull request nobody
 * pushes to). The stack of a labelled pull request comes back on its next push, or when the label
 * is removed and added again.
 */
export function sweepDecisions(
  stacks: readonly ReviewStackState[],
  pullRequests: ReadonlyMap<number, PullRequestState | undefined>,
  now: Date,
  maxAgeDays: number,
): SweepDecision[] {
  return stacks.map(({ review, lastUpdated }) => {
    const ageMs = now.getTime() - lastUpdated.getTime();
    const base = {
      stack: review.stack,
      pullRequest: review.pullRequest,
      lastUpdated,
      idleDays: Math.floor(ageMs / DAY_MS),
    };
    const pr = pullRequests.get(review.pullRequest);
    const remove = (reason: string): SweepDecision => ({ ...base, action: "remove", reason });
    if (pr === undefined) {
      return remove(`pull request #${review.pullRequest} does not exist`);
    }
    if (pr.state === "closed") {
      return remove(`pull request #${review.pullRequest} is ${pr.merged ? "merged" : "closed"}`);
    }
    if (!pr.labels.includes(REVIEW_STACK_LABEL)) {
      return remove(
        `pull request #${review.pullRequest} no longer has the ${REVIEW_STACK_LABEL} label`,
      );
    }
    if (ageMs >= maxAgeDays * DAY_MS) {
      return remove(
        `no update for ${idle(ageMs)}, ${maxAgeDays} day${maxAgeDays === 1 ? "" : "s"} at most`,
      );
    }
    return { ...base, action: "keep", reason: `open and labelled, updated ${idle(ageMs)} ago` };
  });
}

/** How removing one stack went. */
export interface SweepOutcome {
  readonly status: "removed" | "failed" | "dry-run";
  /** The end of Pulumi's output when it failed. */
  readonly detail?: string;
}

/** The sweeper's job summary: every review stack, what was decided and why, and how it went. */
export function sweepSummary(
  decisions: readonly SweepDecision[],
  outcomes: ReadonlyMap<string, SweepOutcome>,
  options: { readonly maxAgeDays: number; readonly unrecognised: readonly string[] },
): string {
  const removed = decisions.filter((d) => outcomes.get(d.stack)?.status === "removed");
  const failed = decisions.filter((d) => outcomes.get(d.stack)?.status === "failed");
  const dryRun = decisions.filter((d) => outcomes.get(d.stack)?.status === "dry-run");
  const lines = [
    "## Review stacks swept",
    "",
    decisions.length === 0
      ? "No review stack exists."
      : `${removed.length} removed, ${failed.length} failed to remove, ${dryRun.length} would be removed (dry run), ${decisions.filter((d) => d.action === "keep").length} kept. A stack is removed when its pull request is closed or unlabelled, or after ${options.maxAgeDays} day${options.maxAgeDays === 1 ? "" : "s"} without an update (${REVIEW_STACK_MAX_AGE_VARIABLE}).`,
  ];
  if (decisions.length > 0) {
    lines.push(
      "",
      "| stack | pull request | last updated | decision | why | result |",
      "| --- | --- | --- | --- | --- | --- |",
      ...decisions.map((d) => {
        const outcome = outcomes.get(d.stack);
        const result =
          d.action === "keep"
            ? "-"
            : outcome === undefined
              ? "not attempted"
              : outcome.status === "failed"
                ? `failed: ${cell(outcome.detail ?? "see the log")}`
                : outcome.status === "dry-run"
                  ? "dry run: not removed"
                  : "removed";
        return `| \`${d.stack}\` | #${d.pullRequest} | ${d.lastUpdated.toISOString()} | ${d.action} | ${cell(d.reason)} | ${result} |`;
      }),
    );
  }
  if (failed.length > 0) {
    lines.push(
      "",
      "A failed removal is tried again on the next run. A held lock means a review-stack run was working on the stack: let it finish. Other errors need a look in the log above.",
    );
  }
  if (options.unrecognised.length > 0) {
    lines.push(
      "",
      `Left alone, not review stack names: ${options.unrecognised.map((key) => `\`${key}\``).join(", ")}.`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function isNotFound(error: unknown): boolean {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = `${typeof stderr === "string" ? stderr : ""} ${error instanceof Error ? error.message : ""}`;
  return text.includes("HTTP 404");
}

/** A pull request's state, labels and whether it was merged; undefined when it does not exist. */
export function pullRequestState(
  gh: GhRunner,
  repository: string,
  pullRequest: number,
): PullRequestState | undefined {
  try {
    const found = JSON.parse(
      gh([
        "api",
        `repos/${repository}/pulls/${pullRequest}`,
        "--jq",
        "{number, state, merged: (.merged_at != null), labels: [.labels[].name]}",
      ]),
    ) as PullRequestState;
    return found;
  } catch (error) {
    if (isNotFound(error)) {
      return undefined;
    }
    throw error;
  }
}

/** Runs the Pulumi CLI; injected in tests. */
export type PulumiRunner = (args: readonly string[]) => { status: number; output: string };

export const pulumiCli: PulumiRunner = (args) => {
  const result = spawnSync("pulumi", [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error === undefined ? "" : result.error.message}`;
  return { status: result.status ?? 1, output };
};

/** `pulumi destroy --remove` of one review stack, in dev's project, with its written stack file. */
export function destroyArgs(review: ReviewStack): string[] {
  return [
    "destroy",
    "--yes",
    "--remove",
    "--skip-preview",
    "--non-interactive",
    "--stack",
    review.stack,
    "--cwd",
    environmentDirectory(review.environment),
    "--message",
    `Review stack sweeper: ${review.stack}`,
  ];
}

export interface SweepIo {
  readonly root: string;
  readonly now: Date;
  readonly gh: GhRunner;
  readonly repository: string;
  readonly listObjects: ListStateObjects;
  readonly pulumi: PulumiRunner;
  readonly write: (text: string) => void;
}

export interface SweepResult {
  readonly decisions: SweepDecision[];
  readonly outcomes: Map<string, SweepOutcome>;
  readonly summary: string;
  /** What was removed, for the comments on the pull requests. */
  readonly swept: { readonly pr: number; readonly reason: string }[];
}

/** Lists the review stacks, decides, removes (unless a dry run) and summarizes. */
export async function sweep(
  options: { readonly maxAgeDays: number; readonly dryRun: boolean },
  io: SweepIo,
): Promise<SweepResult> {
  const { stacks, unrecognised } = reviewStacksInState(await io.listObjects(stackFilesPrefix()));
  const pullRequests = new Map<number, PullRequestState | undefined>();
  for (const { review } of stacks) {
    pullRequests.set(
      review.pullRequest,
      pullRequestState(io.gh, io.repository, review.pullRequest),
    );
  }
  const decisions = sweepDecisions(stacks, pullRequests, io.now, options.maxAgeDays);
  const outcomes = new Map<string, SweepOutcome>();
  for (const decision of decisions.filter((d) => d.action === "remove")) {
    const review = reviewStack(decision.pullRequest);
    if (options.dryRun) {
      outcomes.set(review.stack, { status: "dry-run" });
      continue;
    }
    writeReviewStackFile(io.root, review);
    io.write(`Removing ${review.stack}: ${decision.reason}.\n`);
    const result = io.pulumi(destroyArgs(review));
    io.write(result.output);
    const tail = stripAnsi(result.output)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .slice(-1)[0];
    outcomes.set(
      review.stack,
      result.status === 0 ? { status: "removed" } : { status: "failed", detail: tail },
    );
  }
  const summary = sweepSummary(decisions, outcomes, {
    maxAgeDays: options.maxAgeDays,
    unrecognised,
  });
  const swept = decisions
    .filter((d) => outcomes.get(d.stack)?.status === "removed")
    .map((d) => ({ pr: d.pullRequest, reason: d.reason }));
  return { decisions, outcomes, summary, swept };
}
