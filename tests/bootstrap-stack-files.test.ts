import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

import { environmentBackend } from "../environments/backends";
import { stackFilePath } from "../environments/stack-files";
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../modules/config/settings";
import {
  parseStackFilesArgs,
  runStackFiles,
  type PulumiCli,
} from "../scripts/bootstrap/stack-files";

const ROOT = path.resolve(__dirname, "..");
const ACCOUNT = "123456789012";
const SUFFIX = "k3x9q2mz";

/**
 * The few Pulumi CLI commands the script runs, against a temporary copy of the stack files: it
 * writes them as the CLI does (top-level `secretsprovider`, `encryptedkey`, then `config`), and
 * refuses what the CLI refuses (init of a stack that exists, config of one that does not, a call
 * without the environment's backend).
 */
class FakePulumi {
  readonly calls: string[] = [];
  readonly stacks = new Set<EnvironmentName>();
  private keys = 0;
  /** What `init` and `change-secrets-provider` write; a broken CLI would write something else. */
  writeProvider: (requested: string) => string = (requested) => requested;

  constructor(readonly root: string) {}

  private file(environment: EnvironmentName): string {
    return path.join(this.root, stackFilePath(environment));
  }

  private rewrite(environment: EnvironmentName, change: (doc: Record<string, unknown>) => void) {
    const doc = parseYaml(fs.readFileSync(this.file(environment), "utf8")) as Record<
      string,
      unknown
    >;
    change(doc);
    const { secretsprovider, encryptedkey, encryptionsalt, config, ...rest } = doc;
    const ordered = { secretsprovider, encryptedkey, encryptionsalt, ...rest, config };
    fs.writeFileSync(
      this.file(environment),
      stringifyYaml(
        Object.fromEntries(Object.entries(ordered).filter(([, value]) => value !== undefined)),
      ),
    );
  }

  private newKey(environment: EnvironmentName): string {
    this.keys += 1;
    return Buffer.from(`data key ${this.keys} for ${environment}`).toString("base64");
  }

  readonly cli: PulumiCli = (args, env) => {
    this.calls.push(args.join(" "));
    const cwd = args[args.indexOf("--cwd") + 1];
    const environment = ENVIRONMENT_NAMES.find((name) => cwd === `environments/${name}`);
    if (environment === undefined) {
      throw new Error(`unexpected --cwd in ${args.join(" ")}`);
    }
    if (env.PULUMI_BACKEND_URL !== environmentBackend(environment, ACCOUNT).backendUrl) {
      throw new Error(`${environment} was called on backend ${env.PULUMI_BACKEND_URL}`);
    }
    const [group, command] = args;
    if (group === "stack" && command === "ls") {
      return JSON.stringify(
        this.stacks.has(environment)
          ? [{ name: environment, current: false, updateInProgress: false }]
          : [],
      );
    }
    if (group === "stack" && command === "init") {
      if (this.stacks.has(environment)) {
        throw new Error(`error: stack '${environment}' already exists`);
      }
      this.stacks.add(environment);
      const provider = args[args.indexOf("--secrets-provider") + 1];
      this.rewrite(environment, (doc) => {
        doc.secretsprovider = this.writeProvider(provider);
        doc.encryptedkey = this.newKey(environment);
      });
      return `Created stack '${environment}'\n`;
    }
    if (!this.stacks.has(environment)) {
      throw new Error(`error: no stack named '${environment}' found`);
    }
    if (group === "stack" && command === "change-secrets-provider") {
      this.rewrite(environment, (doc) => {
        doc.secretsprovider = this.writeProvider(args[2]);
        doc.encryptedkey = this.newKey(environment);
        delete doc.encryptionsalt;
      });
      return "Migrating old configuration and state to new secrets provider\n";
    }
    if (group === "config" && command === "set") {
      this.rewrite(environment, (doc) => {
        (doc.config as Record<string, unknown>)[`trading-analytics-${environment}:${args[2]}`] =
          args[3];
      });
      return "";
    }
    throw new Error(`unexpected pulumi ${args.join(" ")}`);
  };
}

function workspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
  for (const environment of ENVIRONMENT_NAMES) {
    fs.mkdirSync(path.join(root, "environments", environment), { recursive: true });
    fs.copyFileSync(
      path.join(ROOT, stackFilePath(environment)),
      path.join(root, stackFilePath(environment)),
    );
  }
  return root;
}

function run(argv: string[], root: string, pulumi: PulumiCli) {
  const written: string[] = [];
  const code = runStackFiles(argv, {
    root,
    env: {},
    pulumi,
    lookupAccount: () => {
      throw new Error("must not ask AWS");
    },
    readFile: (file) => fs.readFileSync(file, "utf8"),
    write: (text) => written.push(text),
  });
  return { code, output: written.join("") };
}

function stackFile(root: string, environment: EnvironmentName): Record<string, unknown> {
  return parseYaml(fs.readFileSync(path.join(root, stackFilePath(environment)), "utf8")) as Record<
    string,
    unknown
  >;
}

const provider = (environment: EnvironmentName) =>
  `awskms://alias/trading-analytics-${environment}-pulumi-secrets?region=us-east-1`;

let roots: string[] = [];
afterEach(() => {
  roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true }));
  roots = [];
});
function fresh(): { root: string; pulumi: FakePulumi } {
  const root = workspace();
  roots.push(root);
  return { root, pulumi: new FakePulumi(root) };
}

describe("scripts/bootstrap/stack-files.ts", () => {
  test("first deploy: creates each stack with its KMS provider, sets the suffix, and checks the files", () => {
    const { root, pulumi } = fresh();
    const { code, output } = run(["--account-id", ACCOUNT, "--suffix", SUFFIX], root, pulumi.cli);
    expect(output).toBe(
      [
        "ok   environments/dev/Pulumi.dev.yaml (pulumi stack init, pulumi config set environmentSuffix k3x9q2mz)",
        "ok   environments/staging/Pulumi.staging.yaml (pulumi stack init, pulumi config set environmentSuffix k3x9q2mz)",
        "ok   environments/production/Pulumi.production.yaml (pulumi stack init, pulumi config set environmentSuffix k3x9q2mz)",
        "Commit environments/dev/Pulumi.dev.yaml, environments/staging/Pulumi.staging.yaml, environments/production/Pulumi.production.yaml: the pipelines read the secrets provider, encryptedkey and suffix from them.",
        "",
      ].join("\n"),
    );
    expect(code).toBe(0);
    expect(pulumi.calls.slice(0, 3)).toEqual([
      "stack ls --json --cwd environments/dev",
      `stack init dev --cwd environments/dev --secrets-provider ${provider("dev")}`,
      "config set environmentSuffix k3x9q2mz --stack dev --cwd environments/dev",
    ]);
    for (const environment of ENVIRONMENT_NAMES) {
      const doc = stackFile(root, environment);
      expect(doc.secretsprovider).toBe(provider(environment));
      expect(typeof doc.encryptedkey).toBe("string");
      expect(doc.config).toEqual({
        "aws:region": "us-east-1",
        "aws:defaultTags": {
          tags: { Environment: environment, ManagedBy: "pulumi", Project: "trading-analytics" },
        },
        [`trading-analytics-${environment}:environmentSuffix`]: SUFFIX,
      });
    }
    expect(run(["--check", "--suffix", SUFFIX], root, pulumi.cli)).toEqual({
      code: 0,
      output:
        "ok   environments/dev/Pulumi.dev.yaml\nok   environments/staging/Pulumi.staging.yaml\nok   environments/production/Pulumi.production.yaml\n",
    });
  });

  test("a stack that already exists (created by pulumi/actions, or on a passphrase) is moved to the KMS provider", () => {
    const { root, pulumi } = fresh();
    pulumi.stacks.add("staging");
    const file = path.join(root, stackFilePath("staging"));
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, "utf8")
        .replace(
          /^secretsprovider: .*$/m,
          "secretsprovider: passphrase\nencryptionsalt: v1:c2FsdA==:x",
        ),
    );
    const { code } = run(
      ["--account-id", ACCOUNT, "--suffix", SUFFIX, "--env", "staging"],
      root,
      pulumi.cli,
    );
    expect(code).toBe(0);
    expect(pulumi.calls).toEqual([
      "stack ls --json --cwd environments/staging",
      `stack change-secrets-provider ${provider("staging")} --stack staging --cwd environments/staging`,
      "config set environmentSuffix k3x9q2mz --stack staging --cwd environments/staging",
    ]);
    expect(stackFile(root, "staging").encryptionsalt).toBeUndefined();
    expect(stackFile(root, "staging").secretsprovider).toBe(provider("staging"));
  });

  test("a second run changes nothing and calls no CLI", () => {
    const { root, pulumi } = fresh();
    expect(run(["--account-id", ACCOUNT, "--suffix", SUFFIX], root, pulumi.cli).code).toBe(0);
    pulumi.calls.length = 0;
    const again = run(["--account-id", ACCOUNT, "--suffix", SUFFIX], root, pulumi.cli);
    expect(again.code).toBe(0);
    expect(again.output).toContain("ok   environments/dev/Pulumi.dev.yaml (already set)\n");
    expect(pulumi.calls).toEqual([]);
  });

  test("fails when the file the CLI wrote does not name the environment's key", () => {
    const { root, pulumi } = fresh();
    pulumi.writeProvider = () => "passphrase";
    const { code, output } = run(
      ["--account-id", ACCOUNT, "--suffix", SUFFIX, "--env", "dev"],
      root,
      pulumi.cli,
    );
    expect(code).toBe(1);
    expect(output).toContain("FAIL environments/dev/Pulumi.dev.yaml (pulumi stack init");
    expect(output).toContain(
      "FAIL environments/dev/Pulumi.dev.yaml names the passphrase provider: no pipeline has a passphrase, and none should.",
    );
  });

  test("--check fails on the template as shipped: no encryptedkey, and the template's suffix", () => {
    const { root, pulumi } = fresh();
    const { code, output } = run(["--check", "--env", "production"], root, pulumi.cli);
    expect(code).toBe(1);
    expect(output.trimEnd().split("\n")).toEqual([
      "FAIL environments/production/Pulumi.production.yaml holds no encryptedkey, the stack's data key that `pulumi stack init` writes: without it the CLI mints a new data key on every run, which the read-only preview role cannot. Run the bootstrap's `stackFilesCommand` output (README, Deploying, First deploy) and commit the file.",
      "FAIL environments/production/Pulumi.production.yaml still has the template's environmentSuffix \"a1\", which every copy of this repository commits: S3 bucket names are global, so its archive bucket is probably taken. Set the bootstrap's environmentSuffix (--suffix), or pass --suffix a1 if this deployment already runs with it.",
    ]);
    expect(pulumi.calls).toEqual([]);
  });

  test("--print prints the commands, quoted for the shell, then the check", () => {
    const { root, pulumi } = fresh();
    const { code, output } = run(
      ["--print", "--account-id", ACCOUNT, "--suffix", SUFFIX, "--env", "dev"],
      root,
      pulumi.cli,
    );
    expect(code).toBe(0);
    const backendUrl = "'s3://trading-analytics-state-dev-123456789012?region=us-east-1'";
    expect(output).toBe(
      [
        "# dev: create the stack with its KMS secrets provider, or move the existing stack to it",
        `PULUMI_BACKEND_URL=${backendUrl} pulumi stack init dev --cwd environments/dev --secrets-provider '${provider("dev")}' || PULUMI_BACKEND_URL=${backendUrl} pulumi stack change-secrets-provider '${provider("dev")}' --stack dev --cwd environments/dev`,
        `PULUMI_BACKEND_URL=${backendUrl} pulumi config set environmentSuffix k3x9q2mz --stack dev --cwd environments/dev`,
        "# then check the stack files, and commit them",
        "npx tsx scripts/bootstrap/stack-files.ts --check --suffix k3x9q2mz --env dev",
        "",
      ].join("\n"),
    );
    expect(pulumi.calls).toEqual([]);
  });

  test("takes the account and suffix from the bootstrap outputs, and refuses outputs of another checkout", () => {
    const { root, pulumi } = fresh();
    const outputs = {
      accountId: ACCOUNT,
      environmentSuffix: SUFFIX,
      environments: Object.fromEntries(
        ENVIRONMENT_NAMES.map((environment) => {
          const backend = environmentBackend(environment, ACCOUNT);
          return [
            environment,
            { backendUrl: backend.backendUrl, secretsProvider: backend.secretsProvider },
          ];
        }),
      ),
    };
    fs.writeFileSync(path.join(root, "bootstrap.json"), JSON.stringify(outputs));
    expect(run(["--outputs", "bootstrap.json"], root, pulumi.cli).code).toBe(0);
    expect(stackFile(root, "production").config).toMatchObject({
      "trading-analytics-production:environmentSuffix": SUFFIX,
    });

    outputs.environments.dev.secretsProvider = "awskms://alias/other?region=us-east-1";
    fs.writeFileSync(path.join(root, "bootstrap.json"), JSON.stringify(outputs));
    expect(() => run(["--outputs", "bootstrap.json"], root, pulumi.cli)).toThrow(
      `bootstrap.json says dev's backend is s3://trading-analytics-state-dev-123456789012?region=us-east-1 with awskms://alias/other?region=us-east-1, but environments/backends.ts names s3://trading-analytics-state-dev-123456789012?region=us-east-1 with ${provider("dev")}: run the bootstrap again from this checkout.`,
    );
  });

  test.each<[string[], string]>([
    [["--print", "--check"], "--print and --check exclude each other."],
    [
      ["--account-id", ACCOUNT, "--outputs", "x.json"],
      "Pass --account-id or --outputs, not both: the outputs carry the account.",
    ],
    [["--env", "qa"], '--env "qa" is not an environment: use dev, staging, production.'],
    [
      ["--suffix", "A1"],
      '--suffix "A1" is invalid: use 1-12 lower-case letters or digits, as the bootstrap\'s environmentSuffix output is.',
    ],
  ])("rejects %j", (argv, message) => {
    expect(() => parseStackFilesArgs(argv)).toThrow(message);
  });

  test("needs a suffix to write the stack files", () => {
    const { root, pulumi } = fresh();
    expect(() => run(["--account-id", ACCOUNT], root, pulumi.cli)).toThrow(
      "No environmentSuffix: pass --suffix with the bootstrap's environmentSuffix output, or --outputs with its outputs.",
    );
  });
});
