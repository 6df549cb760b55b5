import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

import type { ReviewStack } from "../modules/config/review-stack";
import { REVIEW_STACK_TAG } from "../modules/naming/tags";

import {
  ENVIRONMENT_NAMES,
  environmentDirectory,
  projectName,
  secretsKeyAlias,
  secretsProviderUrl,
  shellQuote,
  type EnvironmentBackend,
  type EnvironmentName,
} from "./backends";

/**
 * What `environments/<env>/Pulumi.<env>.yaml` must hold besides its config, and the commands that
 * write it.
 *
 * A DIY (S3) backend stack whose stack file names no `secretsprovider` gets Pulumi's default
 * passphrase provider, even when its state was written with a KMS key (pulumi/pulumi#17236), and
 * pulumi/actions applies its `secrets-provider` input only when it creates the stack. So every
 * stack file commits its environment's `awskms://` provider; without it preview, up, drift and the
 * smoke check stop at "passphrase must be set with PULUMI_CONFIG_PASSPHRASE".
 *
 * `encryptedkey` is the stack's data key encrypted with that KMS key. Only the Pulumi CLI can make
 * it (`pulumi stack init --secrets-provider ...` or `pulumi stack change-secrets-provider ...`,
 * which calls `kms:Encrypt`), so the template ships without it and the first deploy commits it. It is
 * required from then on: a checkout without it makes the CLI mint a new data key on every run,
 * which the read-only preview role (`kms:Decrypt` only) cannot do. The rule checked here is
 * "all or none": once any stack file holds an `encryptedkey`, every stack file must hold its own.
 */

/** The stack file of an environment, relative to the repository root. */
export function stackFilePath(environment: EnvironmentName): string {
  return `${environmentDirectory(environment)}/Pulumi.${environment}.yaml`;
}

/** The KMS secrets provider an environment's stack file must name; needs no account. */
export function expectedSecretsProvider(environment: EnvironmentName): string {
  return secretsProviderUrl(secretsKeyAlias(environment));
}

/** The stack config key of the suffix, in the environment's project namespace. */
export function environmentSuffixKey(environment: EnvironmentName): string {
  return `${projectName(environment)}:environmentSuffix`;
}

/** The top-level keys of a stack file this repository reads. */
export interface StackFileContents {
  readonly secretsprovider?: unknown;
  readonly encryptedkey?: unknown;
  readonly encryptionsalt?: unknown;
  readonly config?: Readonly<Record<string, unknown>>;
}

export function parseStackFile(text: string): StackFileContents {
  const document: unknown = parseYaml(text);
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new Error("it is not a YAML mapping");
  }
  return document;
}

export interface StackFileExpectations {
  /** Whether the stack file must hold an `encryptedkey` (see the module comment). */
  readonly requireEncryptedKey: boolean;
  /** The `environmentSuffix` the stack file must set. @default - any */
  readonly environmentSuffix?: string;
}

/** What the stack-files command is called in the messages: it writes all of this. */
const FIX =
  "Run the bootstrap's `stackFilesCommand` output (README, Deploying, First deploy) and commit the file";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Everything wrong with one environment's stack file, as messages that say what to do. */
export function stackFileProblems(
  environment: EnvironmentName,
  text: string,
  expectations: StackFileExpectations,
): string[] {
  const file = stackFilePath(environment);
  let contents: StackFileContents;
  try {
    contents = parseStackFile(text);
  } catch (error) {
    return [`${file} cannot be read: ${error instanceof Error ? error.message : String(error)}.`];
  }
  const expected = expectedSecretsProvider(environment);
  const problems: string[] = [];
  const provider = contents.secretsprovider;
  if (provider === undefined || provider === null || provider === "") {
    problems.push(
      `${file} names no secretsprovider: Pulumi then uses the passphrase provider for the stack, whatever its state says (pulumi/pulumi#17236), and every run stops asking for PULUMI_CONFIG_PASSPHRASE. It must be \`secretsprovider: ${expected}\`. ${FIX}.`,
    );
  } else if (provider !== expected) {
    const named = typeof provider === "string" ? provider : JSON.stringify(provider);
    const other = ENVIRONMENT_NAMES.find(
      (name) => name !== environment && named === expectedSecretsProvider(name),
    );
    const what =
      other !== undefined
        ? `${named}, the secrets key of ${other}: each environment encrypts its secrets with its own key, and ${environment}'s pipeline roles may not use another's`
        : named.startsWith("passphrase")
          ? `the passphrase provider: no pipeline has a passphrase, and none should`
          : `"${named}"`;
    problems.push(`${file} names ${what}. It must be \`secretsprovider: ${expected}\`. ${FIX}.`);
  }
  if (contents.encryptionsalt !== undefined) {
    problems.push(
      `${file} holds an encryptionsalt, which only the passphrase provider uses: \`pulumi stack change-secrets-provider ${expected}\` removes it. ${FIX}.`,
    );
  }
  const key = contents.encryptedkey;
  if (key === undefined || key === null || key === "") {
    if (expectations.requireEncryptedKey) {
      problems.push(
        `${file} holds no encryptedkey, the stack's data key that \`pulumi stack init\` writes: without it the CLI mints a new data key on every run, which the read-only preview role cannot. ${FIX}.`,
      );
    }
  } else if (typeof key !== "string" || !BASE64.test(key)) {
    problems.push(
      `${file} has an encryptedkey that is not base64: restore the value \`pulumi stack init\` or \`pulumi stack change-secrets-provider\` wrote.`,
    );
  }
  if (expectations.environmentSuffix !== undefined) {
    const suffix = contents.config?.[environmentSuffixKey(environment)];
    if (suffix !== expectations.environmentSuffix) {
      problems.push(
        `${file} sets ${environmentSuffixKey(environment)} to ${suffix === undefined ? "nothing" : JSON.stringify(suffix)}, not "${expectations.environmentSuffix}". ${FIX}.`,
      );
    }
  }
  return problems;
}

/** The rules across stack files: `encryptedkey` all or none, and never the same key twice. */
export function stackFilesProblems(
  files: Readonly<Partial<Record<EnvironmentName, string>>>,
  options: { readonly environmentSuffix?: string; readonly requireEncryptedKey?: boolean } = {},
): string[] {
  const keys = new Map<EnvironmentName, unknown>();
  for (const environment of ENVIRONMENT_NAMES) {
    const text = files[environment];
    if (text === undefined) {
      continue;
    }
    try {
      const key = parseStackFile(text).encryptedkey;
      if (key !== undefined && key !== null && key !== "") {
        keys.set(environment, key);
      }
    } catch {
      // Reported by stackFileProblems.
    }
  }
  const requireEncryptedKey = options.requireEncryptedKey ?? keys.size > 0;
  const problems = ENVIRONMENT_NAMES.flatMap((environment) => {
    const text = files[environment];
    return text === undefined
      ? []
      : stackFileProblems(environment, text, {
          requireEncryptedKey,
          environmentSuffix: options.environmentSuffix,
        });
  });
  const seen = new Map<unknown, EnvironmentName>();
  for (const [environment, key] of keys) {
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(
        `${stackFilePath(environment)} holds the same encryptedkey as ${stackFilePath(first)}: a data key is encrypted with one environment's KMS key, so a copied one cannot be decrypted. ${FIX}.`,
      );
    } else {
      seen.set(key, environment);
    }
  }
  return problems;
}

/**
 * Review stacks (`dev-pr<N>`) have no committed stack file: every pull request would need one, and
 * a pull request could commit whatever it liked into it. The workflow writes it before each run
 * from the environment's committed file (`reviewStackFileText`), and `.gitignore` keeps it out of
 * commits. It holds:
 *
 * - dev's `secretsprovider`, as every stack file must (pulumi/pulumi#17236);
 * - dev's `encryptedkey`, where the committed file has one: the same data key, so every run of the
 *   stack decrypts what the last one encrypted. It adds no reader: whoever runs a review stack may
 *   use dev's KMS key, and the encrypted key is in the repository anyway. Without one the CLI makes
 *   a data key on each run, which the review-stack role may (`kms:Encrypt`);
 * - dev's config without `environmentSuffix` (the suffix is `pr<N>`, from the stack's name), and
 *   the `ReviewStack` tag added to `aws:defaultTags`: the review-stack role may create network
 *   resources and event source mappings only with it (modules/config checks both).
 */
export function reviewStackFilePath(review: ReviewStack): string {
  return `${environmentDirectory(review.environment)}/Pulumi.${review.stack}.yaml`;
}

/** The `git ls-files` paths that are review stack files, which must never be committed. */
export function committedReviewStackFiles(paths: readonly string[]): string[] {
  return paths.filter((file) => /^environments\/[^/]+\/Pulumi\.[a-z]+-pr[^/]*\.ya?ml$/.test(file));
}

/** The review stack's file, from the text of its environment's committed stack file. */
export function reviewStackFileText(environmentStackFile: string, review: ReviewStack): string {
  const environment = review.environment;
  const source = parseStackFile(environmentStackFile);
  const provider = expectedSecretsProvider(environment);
  const key = source.secretsprovider === provider ? source.encryptedkey : undefined;
  const config: Record<string, unknown> = { ...(source.config ?? {}) };
  delete config[environmentSuffixKey(environment)];
  const defaultTags = config["aws:defaultTags"];
  const tags =
    typeof defaultTags === "object" && defaultTags !== null
      ? (defaultTags as { tags?: unknown }).tags
      : undefined;
  config["aws:defaultTags"] = {
    ...(typeof defaultTags === "object" && defaultTags !== null ? defaultTags : {}),
    tags: {
      ...(typeof tags === "object" && tags !== null ? tags : {}),
      [REVIEW_STACK_TAG]: review.stack,
    },
  };
  const document = {
    secretsprovider: provider,
    ...(typeof key === "string" && key !== "" ? { encryptedkey: key } : {}),
    config,
  };
  return `# The review stack of pull request #${review.pullRequest}, written from ${stackFilePath(environment)} by scripts/gitops/review-stacks.ts. Never committed.\n${stringifyYaml(document)}`;
}

/** Arguments of one Pulumi CLI call for an environment's stack, run from the repository root. */
export type PulumiArgs = readonly string[];

/** Whether the stack exists in the backend: `pulumi stack ls --json` lists it. */
export function stackListArgs(backend: EnvironmentBackend): PulumiArgs {
  return ["stack", "ls", "--json", "--cwd", backend.workDir];
}

/** `pulumi stack init` for a stack that does not exist yet, with its KMS secrets provider. */
export function stackInitArgs(backend: EnvironmentBackend): PulumiArgs {
  return [
    "stack",
    "init",
    backend.stackName,
    "--cwd",
    backend.workDir,
    "--secrets-provider",
    backend.secretsProvider,
  ];
}

/**
 * Moves an existing stack (one pulumi/actions created, or one on the passphrase provider) to the
 * KMS provider: writes `secretsprovider` and a new `encryptedkey`, and re-encrypts the state's secrets.
 */
export function changeSecretsProviderArgs(backend: EnvironmentBackend): PulumiArgs {
  return [
    "stack",
    "change-secrets-provider",
    backend.secretsProvider,
    "--stack",
    backend.stackName,
    "--cwd",
    backend.workDir,
  ];
}

/** `pulumi config set environmentSuffix <suffix>`, in the project's namespace of the stack file. */
export function environmentSuffixArgs(backend: EnvironmentBackend, suffix: string): PulumiArgs {
  return [
    "config",
    "set",
    "environmentSuffix",
    suffix,
    "--stack",
    backend.stackName,
    "--cwd",
    backend.workDir,
  ];
}

const PLAIN_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** The shell line for a Pulumi call on the environment's backend, quoted where it must be. */
export function pulumiCommand(backend: EnvironmentBackend, args: PulumiArgs): string {
  const words = args.map((arg) => (PLAIN_WORD.test(arg) ? arg : shellQuote(arg)));
  return `PULUMI_BACKEND_URL=${shellQuote(backend.backendUrl)} pulumi ${words.join(" ")}`;
}

export function stackInitCommand(backend: EnvironmentBackend): string {
  return pulumiCommand(backend, stackInitArgs(backend));
}

export function changeSecretsProviderCommand(backend: EnvironmentBackend): string {
  return pulumiCommand(backend, changeSecretsProviderArgs(backend));
}

export function environmentSuffixCommand(backend: EnvironmentBackend, suffix: string): string {
  return pulumiCommand(backend, environmentSuffixArgs(backend, suffix));
}
