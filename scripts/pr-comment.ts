import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import {
  ghCli,
  resolveRepository,
  upsertPullRequestComment,
  type GhRunner,
  type UpsertResult,
} from "./gitops/github";

/**
 * Posts a Markdown file as one pull-request comment per key, edited on every later run:
 *   npx tsx scripts/pr-comment.ts --pr 12 --key offline-plan-dev --title "Offline plan: dev" --body-file plan.md
 * The preview workflow uses it for the offline plan next to Pulumi's own preview comment.
 */
export interface PrCommentOptions {
  readonly pullRequest: number;
  readonly key: string;
  readonly title: string;
  readonly bodyFile: string;
  readonly repository: string | undefined;
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export function parsePrCommentArgs(argv: readonly string[]): PrCommentOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      pr: { type: "string" },
      key: { type: "string" },
      title: { type: "string" },
      "body-file": { type: "string" },
      repo: { type: "string" },
    },
    strict: true,
  });
  const missing = (["pr", "key", "title", "body-file"] as const).filter(
    (name) => values[name] === undefined || values[name] === "",
  );
  if (missing.length > 0) {
    throw new Error(
      `Missing ${missing.map((name) => `--${name}`).join(", ")}: npx tsx scripts/pr-comment.ts --pr <number> --key <key> --title <title> --body-file <file> [--repo OWNER/REPO]`,
    );
  }
  const pullRequest = Number(values.pr);
  if (!Number.isInteger(pullRequest) || pullRequest <= 0) {
    throw new Error(`--pr "${values.pr}" is not a pull request number.`);
  }
  const key = values.key as string;
  if (!KEY_PATTERN.test(key)) {
    throw new Error(`--key "${key}" must be lower-case letters, digits and hyphens.`);
  }
  return {
    pullRequest,
    key,
    title: values.title as string,
    bodyFile: values["body-file"] as string,
    repository: values.repo,
  };
}

export function runPrComment(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  gh: GhRunner,
  readFile: (path: string) => string,
): UpsertResult {
  const options = parsePrCommentArgs(argv);
  const repository = resolveRepository(options.repository, env);
  const content = readFile(options.bodyFile);
  return upsertPullRequestComment(
    gh,
    repository,
    options.pullRequest,
    options.key,
    `## ${options.title}\n\n${content}`,
  );
}

if (require.main === module) {
  try {
    const result = runPrComment(process.argv.slice(2), process.env, ghCli, (path) =>
      readFileSync(path, "utf8"),
    );
    process.stdout.write(`Comment ${result.id} ${result.action}.\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
