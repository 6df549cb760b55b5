import { readFileSync } from "node:fs";

import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";

import {
  ghCli,
  resolveRepository,
  upsertPullRequestComment,
  type GhRunner,
  type UpsertResult,
} from "../gitops/github";
import {
  EXIT_OK,
  EXIT_PROBLEM,
  parseCommand,
  runMain,
  type CommandIo,
  type Parsed,
} from "../cli/program";
import { createCommand } from "../cli/program-help";
import { checked } from "../cli/program-parsers";

/**
 * Posts a Markdown file as one pull-request comment per key, edited on every later run:
 *   npm run pr-comment -- --pr 12 --key offline-plan-dev --title "Offline plan: dev" --body-file plan.md
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

/** `npm run pr-comment`'s command line. */
export function prCommentCommand(io: CommandIo): Command {
  return createCommand(
    {
      script: "pr-comment",
      description:
        "Posts a Markdown file as one pull-request comment per key, and edits that comment on every later run instead of adding another. The preview workflow uses it for the offline plan next to Pulumi's own preview comment.",
      usage: "--pr <number> --key <key> --title <title> --body-file <file> [options]",
      details:
        'Needs gh with a token that may write pull-request comments. The comment is "## <title>" and the file\'s text, cut to the size GitHub accepts. Prints whether the comment was created or updated.',
      exitCodes: { ok: "the comment is posted", problem: "it could not be posted" },
      examples: [
        'npm run pr-comment -- --pr 12 --key offline-plan-dev --title "Offline plan: dev" --body-file dist/plan.md',
      ],
    },
    io,
  )
    .addOption(
      new Option("--pr <number>", "the pull request (required)").argParser((text) => {
        const value = Number(text);
        if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
          throw new InvalidArgumentError("Expected a pull request number, e.g. --pr 12.");
        }
        return value;
      }),
    )
    .addOption(
      new Option(
        "--key <key>",
        "which comment to create or edit: lower-case letters, digits and hyphens (required)",
      ).argParser((key) => {
        if (!KEY_PATTERN.test(key)) {
          throw new InvalidArgumentError(
            "Expected lower-case letters, digits and hyphens, e.g. offline-plan-dev.",
          );
        }
        return key;
      }),
    )
    .addOption(new Option("--title <title>", "the comment's heading (required)"))
    .addOption(new Option("--body-file <file>", "the Markdown to post (required)"))
    .addOption(
      new Option(
        "--repo <owner/repo>",
        "the repository of the pull request (default: GITHUB_REPOSITORY)",
      ).argParser(checked((repo) => resolveRepository(repo, {}))),
    );
}

export function parsePrCommentArgs(
  argv: readonly string[],
  io: CommandIo,
): Parsed<PrCommentOptions> {
  return parseCommand<PrCommentOptions>(prCommentCommand(io), argv, io, {
    required: ["--pr", "--key", "--title", "--body-file"],
    validate: (values) => ({
      pullRequest: values.pr as number,
      key: values.key as string,
      title: values.title as string,
      bodyFile: values.bodyFile as string,
      repository: values.repo as string | undefined,
    }),
  });
}

export function runPrComment(
  options: PrCommentOptions,
  env: NodeJS.ProcessEnv,
  gh: GhRunner,
  readFile: (path: string) => string,
): UpsertResult {
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

/** `npm run pr-comment -- [options]`; resolves with the exit code. */
export function prCommentCli(
  argv: readonly string[],
  io: CommandIo,
  gh: GhRunner = ghCli,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): number {
  const parsed = parsePrCommentArgs(argv, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  try {
    const result = runPrComment(parsed.options, io.env, gh, readFile);
    io.stdout(`Comment ${result.id} ${result.action}.\n`);
    return EXIT_OK;
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_PROBLEM;
  }
}

if (require.main === module) {
  runMain((argv, io) => prCommentCli(argv, io));
}
