import { execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";

import { Option } from "commander";
import type { Command } from "commander";

import {
  environmentBackend,
  environmentDirectory,
  projectName,
  repositoryVariablePrefix,
  stackName,
  validateAccountId,
  type EnvironmentBackend,
} from "../../environments/backends";
import { parseReviewStackName } from "../../modules/config/review-stack";
import {
  ENVIRONMENT_NAMES,
  REGION,
  environmentSettings,
  type EnvironmentName,
} from "../../modules/config/settings";
import {
  EXIT_OK,
  EXIT_PROBLEM,
  UsageError,
  parseCommand,
  runMain,
  type CommandIo,
  type Parsed,
} from "../cli/program";
import { createCommand } from "../cli/program-help";
import { checked } from "../cli/program-parsers";

export type OutputFormat = "shell" | "json" | "github-output";

export interface PulumiEnvOptions {
  readonly environment: string;
  /** A review stack of the environment; @default - the environment's own stack */
  readonly stack: string | undefined;
  readonly accountId: string | undefined;
  readonly format: OutputFormat;
}

const FORMATS: readonly OutputFormat[] = ["shell", "json", "github-output"];

/** `npm run pulumi-env`'s command line. */
export function pulumiEnvCommand(io: CommandIo): Command {
  return createCommand(
    {
      script: "pulumi-env",
      description:
        "Prints where an environment's Pulumi state lives and which key encrypts its secrets, as the bootstrap named them: PULUMI_BACKEND_URL, PULUMI_SECRETS_PROVIDER, the stack and its directory, for the Pulumi CLI by hand or a workflow step.",
      usage: "--env <environment> [options]",
      details: `Formats: shell, export lines for eval; json, the environment's backend, roles and key; github-output, work-dir, stack, project, region and variable-prefix appended to the file GITHUB_OUTPUT names (no account needed).

The account id comes from --account-id, else AWS_ACCOUNT_ID, else \`aws sts get-caller-identity\`. Run it with npm run --silent (-s) inside $(...), so that npm's own lines stay out of the exports.`,
      exitCodes: { ok: "printed", problem: "the account or GITHUB_OUTPUT could not be found" },
      examples: [
        "npm run pulumi-env -- --env production --account-id 123456789012 --format json",
        'eval "$(npm run -s pulumi-env -- --env dev)"',
        'eval "$(npm run -s pulumi-env -- --env dev --stack dev-pr42)"',
      ],
    },
    io,
  )
    .addOption(
      new Option("--env <environment>", "the environment (required)").choices(ENVIRONMENT_NAMES),
    )
    .addOption(
      new Option(
        "--stack <stack>",
        "a review stack of the environment, dev-pr<N> (default: the environment's own stack)",
      ),
    )
    .addOption(
      new Option("--account-id <id>", "the AWS account, 12 digits (default: see below)").argParser(
        checked((id) => validateAccountId(id, "--account-id")),
      ),
    )
    .addOption(new Option("--format <format>", "what to print").choices(FORMATS).default("shell"));
}

export function parsePulumiEnvArgs(
  argv: readonly string[],
  io: CommandIo,
): Parsed<PulumiEnvOptions> {
  return parseCommand<PulumiEnvOptions>(pulumiEnvCommand(io), argv, io, {
    required: ["--env"],
    validate: (values) => {
      const environment = values.env as EnvironmentName;
      const stack = values.stack as string | undefined;
      try {
        resolveStack(environment, stack);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      return {
        environment,
        stack,
        accountId: values.accountId as string | undefined,
        format: values.format as OutputFormat,
      };
    },
  });
}

/** Runs the AWS CLI; injected in tests. */
export type CallerIdentityLookup = () => string;

export const awsCliCallerAccount: CallerIdentityLookup = () => {
  try {
    return execFileSync(
      "aws",
      ["sts", "get-caller-identity", "--query", "Account", "--output", "text"],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    ).trim();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(
      `Could not find the AWS account: pass --account-id or set AWS_ACCOUNT_ID, or sign in so that \`aws sts get-caller-identity\` works (${reason}).`,
    );
  }
};

export function resolveAccountId(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  lookup: CallerIdentityLookup,
): string {
  if (explicit !== undefined) {
    return validateAccountId(explicit, "--account-id");
  }
  const fromEnv = env.AWS_ACCOUNT_ID;
  if (fromEnv !== undefined && fromEnv !== "") {
    return validateAccountId(fromEnv, "AWS_ACCOUNT_ID");
  }
  return validateAccountId(lookup(), "The account of the current AWS credentials");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/**
 * The stack to work on: the environment's own, or one of its review stacks (`dev-pr42`), which
 * live in the environment's project and backend.
 */
export function resolveStack(environment: EnvironmentName, stack: string | undefined): string {
  if (stack === undefined || stack === environment) {
    return stackName(environment);
  }
  const review = parseReviewStackName(stack);
  if (review === undefined || review.environment !== environment) {
    throw new Error(
      `--stack "${stack}" is not a stack of ${environment}: use ${environment}${environment === "dev" ? " or a review stack, dev-pr<N>" : ""}.`,
    );
  }
  return review.stack;
}

/** `export` lines for `eval "$(npm run -s pulumi-env -- --env dev)"`. */
export function shellExports(
  backend: EnvironmentBackend,
  stack: string = backend.stackName,
): string {
  const variables: Record<string, string> = {
    PULUMI_BACKEND_URL: backend.backendUrl,
    PULUMI_SECRETS_PROVIDER: backend.secretsProvider,
    PULUMI_STACK: stack,
    PULUMI_WORK_DIR: backend.workDir,
  };
  return Object.entries(variables)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`)
    .join("\n");
}

/** What a workflow step needs to know about the environment it targets; no account involved. */
export function githubOutputLines(environment: string, stack?: string): string {
  const name = environmentSettings(environment).name;
  return [
    `work-dir=${environmentDirectory(name)}`,
    `stack=${resolveStack(name, stack)}`,
    `project=${projectName(name)}`,
    `region=${REGION}`,
    `variable-prefix=${repositoryVariablePrefix(name)}`,
  ].join("\n");
}

export interface PulumiEnvIo {
  readonly env: NodeJS.ProcessEnv;
  readonly lookupAccount: CallerIdentityLookup;
  readonly write: (text: string) => void;
  readonly appendFile: (path: string, text: string) => void;
}

export function runPulumiEnv(options: PulumiEnvOptions, io: PulumiEnvIo): void {
  if (options.format === "github-output") {
    const target = io.env.GITHUB_OUTPUT;
    if (target === undefined || target === "") {
      throw new Error(
        "--format github-output appends to the file named by GITHUB_OUTPUT, which is not set: it is meant for GitHub Actions steps.",
      );
    }
    io.appendFile(target, `${githubOutputLines(options.environment, options.stack)}\n`);
    return;
  }
  // Validate the environment and stack before asking AWS anything.
  const stack = resolveStack(environmentSettings(options.environment).name, options.stack);
  const accountId = resolveAccountId(options.accountId, io.env, io.lookupAccount);
  const backend = environmentBackend(options.environment, accountId);
  io.write(
    options.format === "json"
      ? `${JSON.stringify({ ...backend, stackName: stack }, null, 2)}\n`
      : `${shellExports(backend, stack)}\n`,
  );
}

/** `npm run pulumi-env -- --env <env> [options]`; resolves with the exit code. */
export function pulumiEnvCli(
  argv: readonly string[],
  io: CommandIo,
  lookupAccount: CallerIdentityLookup = awsCliCallerAccount,
  appendFile: (path: string, text: string) => void = appendFileSync,
): number {
  const parsed = parsePulumiEnvArgs(argv, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  try {
    runPulumiEnv(parsed.options, { env: io.env, lookupAccount, write: io.stdout, appendFile });
    return EXIT_OK;
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_PROBLEM;
  }
}

if (require.main === module) {
  runMain((argv, io) => pulumiEnvCli(argv, io));
}
