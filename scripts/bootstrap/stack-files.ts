import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import {
  ENVIRONMENT_NAMES,
  environmentBackend,
  type EnvironmentBackend,
  type EnvironmentName,
} from "../../environments/backends";
import {
  changeSecretsProviderArgs,
  environmentSuffixArgs,
  environmentSuffixKey,
  parseStackFile,
  pulumiCommand,
  stackFilePath,
  stackFileProblems,
  stackFilesProblems,
  stackInitArgs,
  stackListArgs,
  type PulumiArgs,
  type StackFileContents,
} from "../../environments/stack-files";
import {
  ENVIRONMENT_SUFFIX_PATTERN,
  TEMPLATE_ENVIRONMENT_SUFFIX,
} from "../../modules/config/deployment";
import { isEnvironmentName } from "../../modules/config/settings";
import {
  awsCliCallerAccount,
  resolveAccountId,
  type CallerIdentityLookup,
} from "../gitops/pulumi-env";

const USAGE = `Usage: npx tsx scripts/bootstrap/stack-files.ts [--account-id ID | --outputs FILE] [--suffix SUFFIX] [--env ENV]... [--print | --check]

Writes each environment's stack file (environments/<env>/Pulumi.<env>.yaml) through the Pulumi CLI
and checks the result: the environment's awskms:// secrets provider and the encryptedkey the CLI
makes (\`pulumi stack init\` for a new stack, \`pulumi stack change-secrets-provider\` for one that
exists), and the environmentSuffix (\`pulumi config set\`). Commit the files afterwards.

  --outputs FILE    the bootstrap's outputs (\`pulumi -C bootstrap stack output --json > FILE\`):
                    account id and proposed suffix
  --account-id ID   the account, else AWS_ACCOUNT_ID, else \`aws sts get-caller-identity\`
  --suffix SUFFIX   the environmentSuffix (the bootstrap's environmentSuffix output)
  --env ENV         only this environment (repeatable); default: all three
  --print           print the commands instead of running them
  --check           run nothing; fail unless every stack file is ready for the pipelines`;

export type Mode = "apply" | "print" | "check";

export interface StackFilesOptions {
  readonly environments: readonly EnvironmentName[];
  readonly mode: Mode;
  readonly accountId: string | undefined;
  readonly outputsFile: string | undefined;
  readonly suffix: string | undefined;
}

export function parseStackFilesArgs(argv: readonly string[]): StackFilesOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: "string", multiple: true },
      "account-id": { type: "string" },
      outputs: { type: "string" },
      suffix: { type: "string" },
      print: { type: "boolean", default: false },
      check: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    return "help";
  }
  if (values.print && values.check) {
    throw new Error(`--print and --check exclude each other.\n${USAGE}`);
  }
  if (values["account-id"] !== undefined && values.outputs !== undefined) {
    throw new Error("Pass --account-id or --outputs, not both: the outputs carry the account.");
  }
  const requested = values.env ?? [...ENVIRONMENT_NAMES];
  for (const environment of requested) {
    if (!isEnvironmentName(environment)) {
      throw new Error(
        `--env "${environment}" is not an environment: use ${ENVIRONMENT_NAMES.join(", ")}.`,
      );
    }
  }
  if (values.suffix !== undefined && !ENVIRONMENT_SUFFIX_PATTERN.test(values.suffix)) {
    throw new Error(
      `--suffix "${values.suffix}" is invalid: use 1-12 lower-case letters or digits, as the bootstrap's environmentSuffix output is.`,
    );
  }
  return {
    environments: ENVIRONMENT_NAMES.filter((name) => requested.includes(name)),
    mode: values.print ? "print" : values.check ? "check" : "apply",
    accountId: values["account-id"],
    outputsFile: values.outputs,
    suffix: values.suffix,
  };
}

/** Runs the Pulumi CLI from the repository root; returns its stdout, throws with its stderr. */
export type PulumiCli = (args: PulumiArgs, env: Readonly<Record<string, string>>) => string;

export function pulumiCliIn(root: string): PulumiCli {
  return (args, env) => {
    try {
      return execFileSync("pulumi", [...args], {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? "";
      throw new Error(
        `\`pulumi ${args.join(" ")}\` failed: ${stderr.trim() || (error instanceof Error ? error.message : String(error))}`,
      );
    }
  };
}

export interface StackFilesIo {
  /** The repository root the stack files are read from. */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly pulumi: PulumiCli;
  readonly lookupAccount: CallerIdentityLookup;
  readonly readFile: (path: string) => string;
  readonly write: (text: string) => void;
}

interface BootstrapOutputsFile {
  readonly accountId?: unknown;
  readonly environmentSuffix?: unknown;
  readonly environments?: Record<string, { backendUrl?: unknown; secretsProvider?: unknown }>;
}

/** Reads the account and suffix from the bootstrap outputs, checking they match this checkout. */
function fromOutputs(
  text: string,
  file: string,
  environments: readonly EnvironmentName[],
): { accountId: string; suffix: string | undefined } {
  let outputs: BootstrapOutputsFile;
  try {
    outputs = JSON.parse(text) as BootstrapOutputsFile;
  } catch {
    throw new Error(
      `${file} is not JSON: write it with \`pulumi -C bootstrap stack output --json > ${file}\`.`,
    );
  }
  if (typeof outputs.accountId !== "string") {
    throw new Error(`${file} has no accountId: is it the bootstrap's \`stack output --json\`?`);
  }
  for (const environment of environments) {
    const listed = outputs.environments?.[environment];
    const backend = environmentBackend(environment, outputs.accountId);
    if (listed === undefined) {
      throw new Error(
        `${file} has no ${environment} environment: bootstrap it first, or leave it out with --env.`,
      );
    }
    if (
      listed.backendUrl !== backend.backendUrl ||
      listed.secretsProvider !== backend.secretsProvider
    ) {
      throw new Error(
        `${file} says ${environment}'s backend is ${String(listed.backendUrl)} with ${String(listed.secretsProvider)}, but environments/backends.ts names ${backend.backendUrl} with ${backend.secretsProvider}: run the bootstrap again from this checkout.`,
      );
    }
  }
  return {
    accountId: outputs.accountId,
    suffix: typeof outputs.environmentSuffix === "string" ? outputs.environmentSuffix : undefined,
  };
}

function readStackFile(io: StackFilesIo, environment: EnvironmentName): string {
  return io.readFile(join(io.root, stackFilePath(environment)));
}

/** The provider and its data key are in place: nothing for the CLI to do. */
function secretsReady(contents: StackFileContents, backend: EnvironmentBackend): boolean {
  return (
    contents.secretsprovider === backend.secretsProvider &&
    typeof contents.encryptedkey === "string" &&
    contents.encryptedkey !== "" &&
    contents.encryptionsalt === undefined
  );
}

function stackExists(io: StackFilesIo, backend: EnvironmentBackend): boolean {
  const listed = JSON.parse(
    io.pulumi(stackListArgs(backend), { PULUMI_BACKEND_URL: backend.backendUrl }),
  ) as { name?: string }[];
  // A DIY backend lists the project's stacks by name, or fully qualified.
  return listed.some(
    (stack) => stack.name === backend.stackName || stack.name?.endsWith(`/${backend.stackName}`),
  );
}

function checkOnly(io: StackFilesIo, options: StackFilesOptions): number {
  const files = Object.fromEntries(
    options.environments.map((environment) => [environment, readStackFile(io, environment)]),
  );
  const problems = stackFilesProblems(files, {
    requireEncryptedKey: true,
    environmentSuffix: options.suffix,
  });
  if (options.suffix === undefined) {
    for (const environment of options.environments) {
      const suffix = parseStackFile(files[environment]).config?.[environmentSuffixKey(environment)];
      if (suffix === TEMPLATE_ENVIRONMENT_SUFFIX) {
        problems.push(
          `${stackFilePath(environment)} still has the template's environmentSuffix "${TEMPLATE_ENVIRONMENT_SUFFIX}", which every copy of this repository commits: S3 bucket names are global, so its archive bucket is probably taken. Set the bootstrap's environmentSuffix (--suffix), or pass --suffix ${TEMPLATE_ENVIRONMENT_SUFFIX} if this deployment already runs with it.`,
        );
      }
    }
  }
  if (problems.length > 0) {
    io.write(`${problems.map((problem) => `FAIL ${problem}`).join("\n")}\n`);
    return 1;
  }
  io.write(
    `${options.environments.map((environment) => `ok   ${stackFilePath(environment)}`).join("\n")}\n`,
  );
  return 0;
}

/** Runs the command; returns the exit code. */
export function runStackFiles(argv: readonly string[], io: StackFilesIo): number {
  const options = parseStackFilesArgs(argv);
  if (options === "help") {
    io.write(`${USAGE}\n`);
    return 0;
  }
  if (options.mode === "check") {
    return checkOnly(io, options);
  }

  const fromFile =
    options.outputsFile === undefined
      ? undefined
      : fromOutputs(
          io.readFile(resolve(io.root, options.outputsFile)),
          options.outputsFile,
          options.environments,
        );
  const accountId =
    fromFile?.accountId ?? resolveAccountId(options.accountId, io.env, io.lookupAccount);
  const suffix = options.suffix ?? fromFile?.suffix;
  if (suffix === undefined) {
    throw new Error(
      "No environmentSuffix: pass --suffix with the bootstrap's environmentSuffix output, or --outputs with its outputs.",
    );
  }
  const backends = options.environments.map((environment) =>
    environmentBackend(environment, accountId),
  );

  if (options.mode === "print") {
    const lines = backends.flatMap((backend) => [
      `# ${backend.environment}: create the stack with its KMS secrets provider, or move the existing stack to it`,
      `${pulumiCommand(backend, stackInitArgs(backend))} || ${pulumiCommand(backend, changeSecretsProviderArgs(backend))}`,
      pulumiCommand(backend, environmentSuffixArgs(backend, suffix)),
    ]);
    const only =
      options.environments.length === ENVIRONMENT_NAMES.length
        ? ""
        : options.environments.map((environment) => ` --env ${environment}`).join("");
    lines.push(
      "# then check the stack files, and commit them",
      `npx tsx scripts/bootstrap/stack-files.ts --check --suffix ${suffix}${only}`,
    );
    io.write(`${lines.join("\n")}\n`);
    return 0;
  }

  const problems: string[] = [];
  for (const backend of backends) {
    const environment = backend.environment;
    const backendEnv = { PULUMI_BACKEND_URL: backend.backendUrl };
    const done: string[] = [];
    if (!secretsReady(parseStackFile(readStackFile(io, environment)), backend)) {
      const args = stackExists(io, backend)
        ? changeSecretsProviderArgs(backend)
        : stackInitArgs(backend);
      io.pulumi(args, backendEnv);
      done.push(`pulumi ${args.slice(0, 2).join(" ")}`);
    }
    const config = parseStackFile(readStackFile(io, environment)).config;
    if (config?.[environmentSuffixKey(environment)] !== suffix) {
      io.pulumi(environmentSuffixArgs(backend, suffix), backendEnv);
      done.push(`pulumi config set environmentSuffix ${suffix}`);
    }
    const found = stackFileProblems(environment, readStackFile(io, environment), {
      requireEncryptedKey: true,
      environmentSuffix: suffix,
    });
    problems.push(...found);
    io.write(
      `${found.length > 0 ? "FAIL" : "ok  "} ${stackFilePath(environment)}${done.length > 0 ? ` (${done.join(", ")})` : " (already set)"}\n`,
    );
  }
  const files = Object.fromEntries(
    options.environments.map((environment) => [environment, readStackFile(io, environment)]),
  );
  const across = stackFilesProblems(files).filter((problem) => !problems.includes(problem));
  problems.push(...across);
  if (problems.length > 0) {
    io.write(`${problems.map((problem) => `FAIL ${problem}`).join("\n")}\n`);
    return 1;
  }
  io.write(
    `Commit ${options.environments.map((environment) => stackFilePath(environment)).join(", ")}: the pipelines read the secrets provider, encryptedkey and suffix from them.\n`,
  );
  return 0;
}

if (require.main === module) {
  const root = resolve(__dirname, "..", "..");
  try {
    process.exitCode = runStackFiles(process.argv.slice(2), {
      root,
      env: process.env,
      pulumi: pulumiCliIn(root),
      lookupAccount: awsCliCallerAccount,
      readFile: (path) => readFileSync(path, "utf8"),
      write: (text) => process.stdout.write(text),
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
