import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

import {
  DEFAULT_REVIEW_STACK_MAX_AGE_DAYS,
  REVIEW_STACK_MAX_AGE_VARIABLE,
  environmentDirectory,
  projectName,
} from "../../environments/backends";
import {
  reviewStackFilePath,
  reviewStackFileText,
  stackFilePath,
} from "../../environments/stack-files";
import {
  REVIEW_STACK_ENVIRONMENT,
  REVIEW_SUFFIX_PREFIX,
  parseReviewStackName,
  reviewStack,
  type ReviewStack,
} from "../../modules/config/review-stack";
import {
  ghCli,
  resolveRepository,
  stripAnsi,
  upsertPullRequestComment,
  type GhRunner,
} from "./github";

/**
 * Review stacks: a same-repository pull request labelled `review-stack` is deployed into its own
 * stack of dev, `dev-pr<N>` (modules/config/review-stack.ts), by .github/workflows/review-stack.yml,
 * and removed when it closes or loses the label; .github/workflows/review-stack-sweeper.yml removes
 * what is left behind. The workflows' steps that are more than one command live here:
 *
 *   npx tsx scripts/gitops/review-stacks.ts stack-file --stack dev-pr42
 *   npx tsx scripts/gitops/review-stacks.ts exists --stack dev-pr42
 *   npx tsx scripts/gitops/review-stacks.ts smoke-result --log smoke.log --outcome success
 *   npx tsx scripts/gitops/review-stacks.ts comment --pr 42 --event up --result success \
 *     [--api-url <url>] [--smoke-result passed] [--smoke-message <text>] [--commit <sha>] \
 *     [--run-url <url>] [--max-age-days 3]
 *   npx tsx scripts/gitops/review-stacks.ts sweep --max-age-days 3 [--dry-run] [--run-url <url>]
 *   npx tsx scripts/gitops/review-stacks.ts report-swept --swept '<json>' [--run-url <url>]
 *
 * `exists` and `sweep` read the stacks from the state bucket (PULUMI_BACKEND_URL) with the
 * review-stack role, which may list the bucket but read only review stacks' objects: `pulumi stack
 * ls` reads every stack's checkpoint, dev's included, so it cannot serve here.
 */

/** The pull-request label that asks for a review stack. */
export const REVIEW_STACK_LABEL = "review-stack";

/** The key of the one pull-request comment each review stack keeps up to date. */
export const REVIEW_STACK_COMMENT_KEY = "review-stack";

export class ReviewStackError extends Error {}

const DAY_MS = 86_400_000;

/** Where the DIY backend keeps the review stacks' checkpoints (pkg/backend/diy/store.go). */
export function stackFilesPrefix(): string {
  return `.pulumi/stacks/${projectName(REVIEW_STACK_ENVIRONMENT)}/${REVIEW_STACK_ENVIRONMENT}-${REVIEW_SUFFIX_PREFIX}`;
}

/** One object of the state bucket, as ListObjectsV2 lists it. */
export interface StateObject {
  readonly key: string;
  readonly lastModified: Date;
}

/** A review stack found in the state bucket, and when its checkpoint was last written. */
export interface ReviewStackState {
  readonly review: ReviewStack;
  readonly lastUpdated: Date;
}

/** A checkpoint is `<stack>.json`, or compressed `.json.gz` / `.json.zst`; `.bak` files are not. */
const CHECKPOINT = /^([a-z0-9-]+)\.json(\.gz|\.zst)?$/;

/**
 * The review stacks among the objects under {@link stackFilesPrefix}: each stack's checkpoint and
 * the time it was last written (every up, refresh and destroy rewrites it). Keys that look like a
 * checkpoint but not of a review stack are returned apart, never touched.
 */
export function reviewStacksInState(objects: readonly StateObject[]): {
  readonly stacks: ReviewStackState[];
  readonly unrecognised: string[];
} {
  const folder = stackFilesPrefix().slice(0, stackFilesPrefix().lastIndexOf("/") + 1);
  const stacks = new Map<string, ReviewStackState>();
  const unrecognised: string[] = [];
  for (const object of objects) {
    const match = CHECKPOINT.exec(object.key.slice(folder.length));
    if (!object.key.startsWith(stackFilesPrefix()) || match === null) {
      continue;
    }
    let review: ReviewStack | undefined;
    try {
      review = parseReviewStackName(match[1]);
    } catch {
      review = undefined;
    }
    if (review === undefined) {
      unrecognised.push(object.key);
      continue;
    }
    const known = stacks.get(review.stack);
    if (known === undefined || known.lastUpdated < object.lastModified) {
      stacks.set(review.stack, { review, lastUpdated: object.lastModified });
    }
  }
  return {
    stacks: [...stacks.values()].sort((a, b) => a.review.pullRequest - b.review.pullRequest),
    unrecognised,
  };
}

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

/** `REVIEW_STACK_MAX_AGE_DAYS`: unset or empty means the default; else 1-365 whole days. */
export function parseMaxAgeDays(value: string | undefined): number {
  if (value === undefined || value.trim() === "") {
    return DEFAULT_REVIEW_STACK_MAX_AGE_DAYS;
  }
  const days = Number(value);
  if (!/^\d+$/.test(value.trim()) || days < 1 || days > 365) {
    throw new ReviewStackError(
      `--max-age-days "${value}" is not a number of days: set the repository variable ${REVIEW_STACK_MAX_AGE_VARIABLE} to a whole number from 1 to 365, or unset it for ${DEFAULT_REVIEW_STACK_MAX_AGE_DAYS}.`,
    );
  }
  return days;
}

/** How removing one stack went. */
export interface SweepOutcome {
  readonly status: "removed" | "failed" | "dry-run";
  /** The end of Pulumi's output when it failed. */
  readonly detail?: string;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
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

/** What the comment says happened. */
export type CommentEvent = "up" | "destroy" | "swept";

export interface CommentInput {
  readonly review: ReviewStack;
  readonly event: CommentEvent;
  /** The job's result: success, failure, cancelled or skipped. */
  readonly result: string;
  readonly apiUrl?: string;
  readonly smokeResult?: string;
  readonly smokeMessage?: string;
  readonly commit?: string;
  readonly runUrl?: string;
  readonly maxAgeDays: number;
  /** Why the sweeper removed it. */
  readonly reason?: string;
}

/** The one pull-request comment of a review stack: what is deployed and where, or that it is gone. */
export function reviewStackComment(input: CommentInput): string {
  const { review } = input;
  const run = input.runUrl === undefined || input.runUrl === "" ? "" : ` ([run](${input.runUrl}))`;
  const at =
    input.commit === undefined || input.commit === "" ? "" : ` at \`${input.commit.slice(0, 12)}\``;
  const heading = `## Review stack \`${review.stack}\``;
  if (input.event === "swept") {
    return [
      heading,
      "",
      `**Removed by the sweeper**: ${input.reason ?? "its pull request no longer needs it"}${run}.`,
      "",
      `Push a commit while the \`${REVIEW_STACK_LABEL}\` label is on, or remove the label and add it again, to deploy it again.`,
      "",
    ].join("\n");
  }
  if (input.event === "destroy") {
    const outcome =
      input.result === "success"
        ? "**Destroyed**: every resource of the stack and its state are gone."
        : input.result === "skipped"
          ? "**Nothing to destroy**: the stack did not exist."
          : `**Destroy ${input.result === "cancelled" ? "cancelled" : "failed"}**: resources may be left. The daily sweeper tries again; or run the workflow again.`;
    return [
      heading,
      "",
      `${outcome}${run}`,
      "",
      `Add the \`${REVIEW_STACK_LABEL}\` label to an open pull request to deploy it again.`,
      "",
    ].join("\n");
  }
  const deployed = input.result === "success" || input.smokeResult === "failed";
  const status =
    input.result === "success"
      ? `**Deployed**${at}`
      : input.result === "cancelled"
        ? `**Update cancelled**${at}`
        : `**Update failed**${at}`;
  const smoke =
    input.smokeResult === "passed"
      ? `passed: ${input.smokeMessage ?? ""}`.trim()
      : input.smokeResult === "failed"
        ? `**failed**: ${input.smokeMessage ?? "see the run"}`
        : "not run";
  const api =
    input.apiUrl === undefined || input.apiUrl === ""
      ? "not deployed"
      : `${input.apiUrl} (IAM auth: requests are signed with SigV4, \`lambda:InvokeFunctionUrl\` on the function)`;
  return [
    heading,
    "",
    `${status}${run}. ${deployed ? "Dev's settings, its own names (`dev-<service>-us-east-1-" + review.suffix + "`), its own data." : "See the run for Pulumi's error; the next push tries again."}`,
    "",
    "| | |",
    "| --- | --- |",
    `| API | ${cell(api)} |`,
    `| Smoke check | ${cell(smoke)} |`,
    `| Removed | when the pull request closes or loses the \`${REVIEW_STACK_LABEL}\` label, or after ${input.maxAgeDays} day${input.maxAgeDays === 1 ? "" : "s"} without a push |`,
    "",
    `Every push updates the stack and this comment. Costs run while it exists: about a dev environment's (README, Deploying, Review stacks).`,
    "",
  ].join("\n");
}

/**
 * The smoke check's result in one line, from its log and the step's outcome: the line it printed
 * on success, or its error message.
 */
export function smokeResult(
  log: string,
  outcome: string,
): { readonly result: "passed" | "failed" | "not run"; readonly message: string } {
  if (outcome !== "success" && outcome !== "failure") {
    return { result: "not run", message: "" };
  }
  const lines = stripAnsi(log)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith(">"));
  const annotation = lines.find((line) => line.startsWith("::error"));
  const message =
    annotation !== undefined
      ? annotation.replace(/^::error[^:]*::/, "")
      : (lines.filter((line) => !line.startsWith("::")).pop() ?? "");
  return {
    result: outcome === "success" ? "passed" : "failed",
    message: message.length > 500 ? `${message.slice(0, 500)}…` : message,
  };
}

/** `s3://<bucket>?region=<region>` (environments/backends.ts `backendUrl`). */
export function parseBackendUrl(url: string | undefined): { bucket: string; region: string } {
  const match = /^s3:\/\/([a-z0-9.-]{3,63})(?:\?region=([a-z0-9-]+))?$/.exec(url ?? "");
  if (match === null) {
    throw new ReviewStackError(
      `PULUMI_BACKEND_URL is ${url === undefined || url === "" ? "not set" : `"${url}"`}: it must be dev's state backend, s3://trading-analytics-state-dev-<account>?region=us-east-1 (the review environment's variable).`,
    );
  }
  return { bucket: match[1], region: match[2] ?? "us-east-1" };
}

/** Lists the objects under a prefix of the state bucket; injected in tests. */
export type ListStateObjects = (prefix: string) => Promise<StateObject[]>;

export function s3StateObjects(backendUrl: string | undefined): ListStateObjects {
  const { bucket, region } = parseBackendUrl(backendUrl);
  return async (prefix) => {
    const client = new S3Client({ region });
    const objects: StateObject[] = [];
    try {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key !== undefined && item.LastModified !== undefined) {
            objects.push({ key: item.Key, lastModified: item.LastModified });
          }
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } finally {
      client.destroy();
    }
    return objects;
  };
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

/** Writes the review stack's stack file from dev's committed one; returns its path. */
export function writeReviewStackFile(root: string, review: ReviewStack): string {
  const text = reviewStackFileText(
    readFileSync(join(root, stackFilePath(review.environment)), "utf8"),
    review,
  );
  const path = reviewStackFilePath(review);
  writeFileSync(join(root, path), text);
  return path;
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

function stackOption(value: string | undefined): ReviewStack {
  const review = value === undefined ? undefined : parseReviewStackName(value);
  if (review === undefined) {
    throw new ReviewStackError(
      `--stack "${value ?? ""}" is not a review stack: use dev-pr<N>, N the pull request number.`,
    );
  }
  return review;
}

function pullRequestOption(value: string | undefined): ReviewStack {
  if (value === undefined || !/^\d+$/.test(value)) {
    throw new ReviewStackError(`--pr "${value ?? ""}" is not a pull request number.`);
  }
  return reviewStack(Number(value));
}

function appendOutput(env: NodeJS.ProcessEnv, lines: readonly string[]): void {
  const target = env.GITHUB_OUTPUT;
  if (target === undefined || target === "") {
    throw new ReviewStackError(
      "GITHUB_OUTPUT is not set: this command writes step outputs for GitHub Actions.",
    );
  }
  appendFileSync(target, `${lines.join("\n")}\n`);
}

const EVENTS: readonly CommentEvent[] = ["up", "destroy", "swept"];

export interface ReviewStacksIo {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly gh: GhRunner;
  readonly now: () => Date;
  readonly listObjects: (backendUrl: string | undefined) => ListStateObjects;
  readonly pulumi: PulumiRunner;
  readonly write: (text: string) => void;
}

const USAGE =
  "Usage: npx tsx scripts/gitops/review-stacks.ts <stack-file|exists|smoke-result|comment|sweep|report-swept> [options] (see the comment at the top of the file)";

/** Runs one command; returns the exit code. */
export async function runReviewStacks(
  argv: readonly string[],
  io: ReviewStacksIo,
): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      stack: { type: "string" },
      pr: { type: "string" },
      log: { type: "string" },
      outcome: { type: "string" },
      event: { type: "string" },
      result: { type: "string" },
      "api-url": { type: "string" },
      "smoke-result": { type: "string" },
      "smoke-message": { type: "string" },
      commit: { type: "string" },
      "run-url": { type: "string" },
      "max-age-days": { type: "string" },
      "dry-run": { type: "boolean", default: false },
      swept: { type: "string" },
      repo: { type: "string" },
    },
    strict: true,
  });
  switch (command) {
    case "stack-file": {
      const path = writeReviewStackFile(io.root, stackOption(values.stack));
      io.write(`Wrote ${path}.\n`);
      return 0;
    }
    case "exists": {
      const review = stackOption(values.stack);
      const objects = await io.listObjects(io.env.PULUMI_BACKEND_URL)(stackFilesPrefix());
      const exists = reviewStacksInState(objects).stacks.some(
        (found) => found.review.stack === review.stack,
      );
      appendOutput(io.env, [`exists=${exists}`]);
      io.write(`${review.stack} ${exists ? "exists" : "does not exist"}.\n`);
      return 0;
    }
    case "smoke-result": {
      const log = values.log === undefined ? "" : readLog(values.log);
      const { result, message } = smokeResult(log, values.outcome ?? "skipped");
      appendOutput(io.env, [`result=${result}`, `message=${message.replace(/\n/g, " ")}`]);
      return 0;
    }
    case "comment": {
      const review = pullRequestOption(values.pr);
      const event = values.event as CommentEvent;
      if (!EVENTS.includes(event)) {
        throw new ReviewStackError(
          `--event "${values.event ?? ""}" is not one of ${EVENTS.join(", ")}.`,
        );
      }
      const repository = resolveRepository(values.repo, io.env);
      const body = reviewStackComment({
        review,
        event,
        result: values.result ?? "failure",
        apiUrl: values["api-url"],
        smokeResult: values["smoke-result"],
        smokeMessage: values["smoke-message"],
        commit: values.commit,
        runUrl: values["run-url"],
        maxAgeDays: parseMaxAgeDays(values["max-age-days"]),
      });
      const done = upsertPullRequestComment(
        io.gh,
        repository,
        review.pullRequest,
        REVIEW_STACK_COMMENT_KEY,
        body,
      );
      io.write(`Comment ${done.id} ${done.action}.\n`);
      return 0;
    }
    case "sweep": {
      const maxAgeDays = parseMaxAgeDays(values["max-age-days"]);
      const result = await sweep(
        { maxAgeDays, dryRun: values["dry-run"] },
        {
          root: io.root,
          now: io.now(),
          gh: io.gh,
          repository: resolveRepository(values.repo, io.env),
          listObjects: io.listObjects(io.env.PULUMI_BACKEND_URL),
          pulumi: io.pulumi,
          write: io.write,
        },
      );
      io.write(result.summary);
      if (io.env.GITHUB_STEP_SUMMARY !== undefined && io.env.GITHUB_STEP_SUMMARY !== "") {
        appendFileSync(io.env.GITHUB_STEP_SUMMARY, result.summary);
      }
      if (io.env.GITHUB_OUTPUT !== undefined && io.env.GITHUB_OUTPUT !== "") {
        appendOutput(io.env, [`swept=${JSON.stringify(result.swept)}`]);
      }
      return [...result.outcomes.values()].some((outcome) => outcome.status === "failed") ? 1 : 0;
    }
    case "report-swept": {
      const repository = resolveRepository(values.repo, io.env);
      const swept = parseSwept(values.swept);
      for (const { pr, reason } of swept) {
        const done = upsertPullRequestComment(
          io.gh,
          repository,
          pr,
          REVIEW_STACK_COMMENT_KEY,
          reviewStackComment({
            review: reviewStack(pr),
            event: "swept",
            result: "success",
            reason,
            runUrl: values["run-url"],
            maxAgeDays: parseMaxAgeDays(values["max-age-days"]),
          }),
        );
        io.write(`#${pr}: comment ${done.id} ${done.action}.\n`);
      }
      return 0;
    }
    default:
      throw new ReviewStackError(`Unknown command "${command ?? ""}".\n${USAGE}`);
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** The sweeper's `swept` output: `[{ "pr": 42, "reason": "..." }]`. */
export function parseSwept(text: string | undefined): { pr: number; reason: string }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === undefined || text === "" ? "[]" : text);
  } catch {
    throw new ReviewStackError(`--swept is not JSON: pass the sweep step's swept output.`);
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every(
      (item: unknown) =>
        typeof item === "object" &&
        item !== null &&
        Number.isInteger((item as { pr?: unknown }).pr) &&
        typeof (item as { reason?: unknown }).reason === "string",
    )
  ) {
    throw new ReviewStackError(
      `--swept must be a list of { pr, reason }: pass the sweep step's swept output.`,
    );
  }
  return parsed as { pr: number; reason: string }[];
}

if (require.main === module) {
  const root = join(__dirname, "..", "..");
  runReviewStacks(process.argv.slice(2), {
    root,
    env: process.env,
    gh: ghCli,
    now: () => new Date(),
    listObjects: s3StateObjects,
    pulumi: pulumiCli,
    write: (text) => process.stdout.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${message}\n`);
      process.exitCode = error instanceof ReviewStackError ? 2 : 1;
    },
  );
}
