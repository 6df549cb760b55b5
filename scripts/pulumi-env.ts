import { execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";

import {
  environmentBackend,
  environmentDirectory,
  projectName,
  repositoryVariablePrefix,
  stackName,
  validateAccountId,
  type EnvironmentBackend,
} from "../environments/backends";
import { parseReviewStackName } from "../modules/config/review-stack";
import { REGION, environmentSettings, type EnvironmentName } from "../modules/config/settings";

const USAGE = `Usage: npx tsx scripts/pulumi-env.ts --env <dev|staging|production> [--stack <dev-pr<N>>] [--account-id <12 digits>] [--format shell|json|github-output]

  shell          (default) export lines for eval: PULUMI_BACKEND_URL, PULUMI_SECRETS_PROVIDER, ...
  json           the environment's backend, roles and key as JSON
  github-output  work-dir, stack, project, region and variable-prefix appended to $GITHUB_OUTPUT (no account needed)

--stack names a review stack of the environment (dev-pr42) instead of the environment's own stack.
The account id comes from --account-id, else AWS_ACCOUNT_ID, else \`aws sts get-caller-identity\`.`;

export type OutputFormat = "shell" | "json" | "github-output";

export interface PulumiEnvOptions {
  readonly environment: string;
  /** A review stack of the environment; @default - the environment's own stack */
  readonly stack: string | undefined;
  readonly accountId: string | undefined;
  readonly format: OutputFormat;
}

const FORMATS: readonly OutputFormat[] = ["shell", "json", "github-output"];

export function parsePulumiEnvArgs(argv: readonly string[]): PulumiEnvOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: "string" },
      stack: { type: "string" },
      "account-id": { type: "string" },
      format: { type: "string", default: "shell" },
    },
    strict: true,
  });
  if (values.env === undefined) {
    throw new Error(`--env is required.\n${USAGE}`);
  }
  const format = values.format as OutputFormat;
  if (!FORMATS.includes(format)) {
    throw new Error(`--format "${values.format}" is not one of: ${FORMATS.join(", ")}.`);
  }
  return {
    environment: values.env,
    stack: values.stack,
    accountId: values["account-id"],
    format,
  };
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

/** `export` lines for `eval "$(npx tsx scripts/pulumi-env.ts --env dev)"`. */
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

export function runPulumiEnv(argv: readonly string[], io: PulumiEnvIo): void {
  const options = parsePulumiEnvArgs(argv);
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

if (require.main === module) {
  try {
    runPulumiEnv(process.argv.slice(2), {
      env: process.env,
      lookupAccount: awsCliCallerAccount,
      write: (text) => process.stdout.write(text),
      appendFile: (path, text) => appendFileSync(path, text),
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
