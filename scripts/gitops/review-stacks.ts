import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { reviewStack } from "../../modules/config/review-stack";
import { ghCli, resolveRepository, upsertPullRequestComment, type GhRunner } from "./github";
import { reviewStackComment, smokeResult, type CommentEvent } from "./review-stack-comment";
import {
  REVIEW_STACK_COMMENT_KEY,
  ReviewStackError,
  parseMaxAgeDays,
  parseSwept,
  pullRequestOption,
  stackOption,
} from "./review-stack-options";
import {
  reviewStacksInState,
  s3StateObjects,
  stackFilesPrefix,
  writeReviewStackFile,
  type ListStateObjects,
} from "./review-stack-state";
import { pulumiCli, sweep, type PulumiRunner } from "./review-stack-sweep";

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
 *
 * This file runs the commands. The label, comment key and argument parsing are in
 * review-stack-options.ts, the state bucket and the stack file in review-stack-state.ts, the pull
 * request's comment in review-stack-comment.ts, the sweeper in review-stack-sweep.ts.
 */

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
