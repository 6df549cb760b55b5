import {
  DRIFT_LABEL,
  classifyDriftCheck,
  driftCheckArguments,
  driftIssueBody,
  driftIssueTitle,
  driftCli,
  parseDriftArgs,
  runDrift,
  type DriftOptions,
  type PulumiResult,
  type PulumiRunner,
} from "../scripts/gitops/drift";
import { MAX_BODY_CHARACTERS, codeFence, stripAnsi, truncateBody } from "../scripts/gitops/github";
import { captureIo } from "../scripts/cli/capture-io";
import { FakeGitHub } from "./support/fake-github";

const REPOSITORY = "acme/trading-analytics";
const RUN_URL = "https://github.com/acme/trading-analytics/actions/runs/42";
const NOW = new Date("2026-03-02T05:17:00.000Z");

const DRIFT_OUTPUT = [
  "Previewing refresh (production):",
  "    ~ aws:lambda/function:Function market-processor-function update [diff: ~memorySize]",
  "      ~ memorySize: \u001b[31m2048\u001b[0m => 1024",
  "error: no changes were expected for refresh but changes were proposed",
].join("\n");

/** The options of a command line the drift check accepts. */
function driftOptions(argv: string[]): DriftOptions {
  const parsed = parseDriftArgs(argv, captureIo());
  if (parsed.kind !== "run") {
    throw new Error(`${argv.join(" ")} was refused`);
  }
  return parsed.options;
}

const CLEAN: PulumiResult = { exitCode: 0, output: "Resources:\n    42 unchanged\n" };
const DRIFT: PulumiResult = { exitCode: 255, output: DRIFT_OUTPUT };
const BROKEN: PulumiResult = {
  exitCode: 255,
  output: "error: failed to decrypt the data key: AccessDeniedException",
};

function harness(results: PulumiResult[]) {
  const github = new FakeGitHub(REPOSITORY);
  const commands: string[][] = [];
  const queue = [...results];
  const pulumi = (args: readonly string[]) => {
    commands.push([...args]);
    const next = queue.shift();
    if (next === undefined) {
      throw new Error("No more Pulumi results");
    }
    return next;
  };
  const run = (environment: string, extra: string[] = []) =>
    runDrift(
      driftOptions(["--env", environment, "--run-url", RUN_URL, ...extra]),
      { GITHUB_REPOSITORY: REPOSITORY },
      pulumi,
      github.runner,
      () => NOW,
    );
  return { github, commands, run };
}

describe("classifying the drift check", () => {
  it.each([
    [0, "", "clean"],
    [0, "no changes were expected but changes were proposed", "clean"],
    [255, "error: no changes were expected but changes were proposed", "drift"],
    [255, "error: no changes were expected for refresh but changes were proposed", "drift"],
    [255, "error: failed to decrypt the data key", "error"],
    [1, "", "error"],
  ])("exit %i with %j is %s", (exitCode, output, status) => {
    expect(classifyDriftCheck(exitCode, output)).toBe(status);
  });
});

describe("the drift check command", () => {
  it.each(["dev", "staging", "production"] as const)("for %s", (environment) => {
    expect(driftCheckArguments(environment)).toEqual([
      "refresh",
      "--preview-only",
      "--expect-no-changes",
      "--stack",
      environment,
      "--cwd",
      `environments/${environment}`,
      "--diff",
      "--non-interactive",
      "--color",
      "never",
      "--suppress-progress",
    ]);
  });
});

/** Resource name -> input properties, as the program describes them, the state records them or the cloud holds them. */
type Resources = Readonly<Record<string, Readonly<Record<string, string | number>>>>;

/**
 * One stack: what the checked-out program describes (`code`), what the state recorded at the last
 * deploy (`state`) and what the cloud holds now (`cloud`).
 */
interface Stack {
  readonly code: Resources;
  readonly state: Resources;
  readonly cloud: Resources;
}

const FUNCTION = "aws:lambda/function:Function market-processor-function";

function differences(from: Resources, to: Resources): string[] {
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return names.flatMap((name) => {
    const before = from[name];
    const after = to[name];
    if (before === undefined) {
      return [`    + ${name} create`];
    }
    if (after === undefined) {
      return [`    - ${name} delete`];
    }
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((key) => before[key] !== after[key])
      .sort();
    return keys.length === 0
      ? []
      : [
          `    ~ ${name} update [diff: ${keys.map((key) => `~${key}`).join(",")}]`,
          ...keys.map((key) => `      ~ ${key}: ${before[key]} => ${after[key]}`),
        ];
  });
}

/**
 * The Pulumi CLI over one stack, for the commands a drift check could run, as Pulumi documents
 * them: `refresh --preview-only` reads the cloud and compares it with the state, running no
 * program; `preview` compares the program with the state, or with the cloud under `--refresh`.
 * `--expect-no-changes` turns changes into exit 255 with NoChangesExpectedError's text. Any other
 * command fails the test: a drift check must never change the state or the cloud.
 */
function pulumiOver(stack: Stack): PulumiRunner {
  return (args) => {
    const flag = (name: string) => args.includes(name);
    let operation: "refresh" | "preview";
    let changes: string[];
    if (args[0] === "refresh" && flag("--preview-only")) {
      operation = "refresh";
      changes = differences(stack.state, stack.cloud);
    } else if (args[0] === "preview") {
      operation = "preview";
      changes = differences(flag("--refresh") ? stack.cloud : stack.state, stack.code);
    } else {
      throw new Error(`A drift check must not run pulumi ${args.join(" ")}`);
    }
    const header = `Previewing ${operation} (production):`;
    if (changes.length > 0 && flag("--expect-no-changes")) {
      return {
        exitCode: 255,
        output: [
          header,
          ...changes,
          `error: no changes were expected for ${operation} but changes were proposed`,
        ].join("\n"),
      };
    }
    return { exitCode: 0, output: [header, ...changes, "Resources: unchanged"].join("\n") };
  };
}

describe("drift means the cloud differs from the state", () => {
  const deployed: Resources = { [FUNCTION]: { memorySize: 1024, timeout: 30 } };

  function check(stack: Stack) {
    const github = new FakeGitHub(REPOSITORY);
    const report = runDrift(
      driftOptions(["--env", "production", "--run-url", RUN_URL]),
      { GITHUB_REPOSITORY: REPOSITORY },
      pulumiOver(stack),
      github.runner,
      () => NOW,
    );
    return { report, github };
  }

  it("finds no drift when a change is merged but not yet deployed", () => {
    const merged: Stack = {
      code: {
        [FUNCTION]: { memorySize: 2048, timeout: 30 },
        "aws:sqs/queue:Queue new-queue": { visibilityTimeoutSeconds: 60 },
      },
      state: deployed,
      cloud: deployed,
    };
    const { report, github } = check(merged);
    expect(report).toEqual({
      status: "clean",
      issue: { action: "none" },
      exitCode: 0,
      message: "production has no drift.",
    });
    expect(github.issues).toEqual([]);
    // What a refresh-preview of the checked-out code reports for the same stack: not drift.
    expect(pulumiOver(merged)(["preview", "--refresh", "--expect-no-changes"]).exitCode).toBe(255);
  });

  it("finds drift when the cloud was changed outside Pulumi", () => {
    const { report, github } = check({
      code: deployed,
      state: deployed,
      cloud: { [FUNCTION]: { memorySize: 512, timeout: 30 } },
    });
    expect(report.status).toBe("drift");
    expect(report.exitCode).toBe(1);
    expect(github.issue(1).title).toBe("Drift detected in production");
    expect(github.issue(1).body).toContain(
      [
        `    ~ ${FUNCTION} update [diff: ~memorySize]`,
        "      ~ memorySize: 1024 => 512",
        "error: no changes were expected for refresh but changes were proposed",
      ].join("\n"),
    );
  });

  it("shows only the cloud's change when the code has moved on too", () => {
    const { report, github } = check({
      code: {
        [FUNCTION]: { memorySize: 2048, timeout: 30 },
        "aws:sqs/queue:Queue new-queue": { visibilityTimeoutSeconds: 60 },
      },
      state: deployed,
      cloud: { [FUNCTION]: { memorySize: 1024, timeout: 900 } },
    });
    expect(report.status).toBe("drift");
    const body = github.issue(1).body;
    expect(body).toContain("      ~ timeout: 30 => 900");
    expect(body).not.toContain("memorySize");
    expect(body).not.toContain("new-queue");
  });

  it("finds a resource deleted in the cloud", () => {
    const { report, github } = check({ code: deployed, state: deployed, cloud: {} });
    expect(report.status).toBe("drift");
    expect(github.issue(1).body).toContain(`    - ${FUNCTION} delete`);
  });
});

describe("the drift issue", () => {
  it("has one title per environment", () => {
    expect(driftIssueTitle("dev")).toBe("Drift detected in dev");
    expect(driftIssueTitle("production")).toBe("Drift detected in production");
  });

  it("carries the diff without terminal colours, in a fence the diff cannot close", () => {
    expect(driftIssueBody("production", `${DRIFT_OUTPUT}\n\`\`\`x`, RUN_URL, NOW)).toBe(
      [
        `The resources of \`production\` no longer match its Pulumi state: \`pulumi refresh --preview-only --expect-no-changes\` found changes in [this workflow run](${RUN_URL}) at 2026-03-02T05:17:00.000Z.`,
        "",
        'Someone or something changed these resources outside Pulumi (a change merged but not yet deployed does not show here). Run `pulumi refresh` with credentials that may write the state, to take the cloud into it; then either deploy the code as it is to undo the change, or first change the code to keep it (see "Drift" in the Deploying chapter of the README). This issue is updated by every drift run and closed by the first one that finds the environment clean.',
        "",
        "<details open><summary>Diff</summary>",
        "",
        "````diff",
        "Previewing refresh (production):",
        "    ~ aws:lambda/function:Function market-processor-function update [diff: ~memorySize]",
        "      ~ memorySize: 2048 => 1024",
        "error: no changes were expected for refresh but changes were proposed",
        "```x",
        "````",
        "",
        "</details>",
        "",
      ].join("\n"),
    );
  });

  it("is cut below GitHub's body limit, saying so", () => {
    const body = truncateBody("x".repeat(MAX_BODY_CHARACTERS + 10));
    expect(body.length).toBe(MAX_BODY_CHARACTERS);
    expect(body.endsWith("\n\n… (truncated: the full output is in the workflow run's log)\n")).toBe(
      true,
    );
    expect(truncateBody("short")).toBe("short");
  });

  it("strips colour codes and fences text", () => {
    expect(stripAnsi("\u001b[1m\u001b[32m+ create\u001b[0m")).toBe("+ create");
    expect(codeFence("a", "diff")).toBe("```diff\na\n```");
  });
});

describe("runDrift", () => {
  it("opens one issue on the first drift, labelled, and fails the check", () => {
    const { github, commands, run } = harness([DRIFT]);
    const report = run("production");
    expect(commands).toEqual([driftCheckArguments("production")]);
    expect(report.status).toBe("drift");
    expect(report.exitCode).toBe(1);
    expect(report.issue).toEqual({
      action: "created",
      number: 1,
      url: "https://github.com/acme/trading-analytics/issues/1",
    });
    expect(report.message.split("\n")[0]).toBe(
      "Drift detected in production: the cloud differs from the stack's state. See #1 (created): https://github.com/acme/trading-analytics/issues/1",
    );
    const issue = github.issue(1);
    expect(issue.title).toBe("Drift detected in production");
    expect(issue.labels).toEqual([DRIFT_LABEL]);
    expect(issue.body).toBe(driftIssueBody("production", DRIFT_OUTPUT, RUN_URL, NOW));
  });

  it("updates the same issue while the drift lasts, then closes it when clean", () => {
    const { github, run } = harness([DRIFT, DRIFT, CLEAN, CLEAN]);
    expect(run("staging").issue).toMatchObject({ action: "created", number: 1 });
    github.issue(1).body = "stale";
    expect(run("staging").issue).toMatchObject({ action: "updated", number: 1 });
    expect(github.issue(1).body).toBe(driftIssueBody("staging", DRIFT_OUTPUT, RUN_URL, NOW));
    expect(github.issues.filter((issue) => issue.state === "open").length).toBe(1);

    const clean = run("staging");
    expect(clean).toEqual({
      status: "clean",
      issue: { action: "closed", numbers: [1] },
      exitCode: 0,
      message: "staging has no drift. Closed #1.",
    });
    expect(github.issue(1).state).toBe("closed");
    expect(github.issue(1).comments.map((comment) => comment.body)).toEqual([
      `The drift check found \`staging\` clean again ([run](${RUN_URL})); closing.`,
    ]);

    expect(run("staging")).toEqual({
      status: "clean",
      issue: { action: "none" },
      exitCode: 0,
      message: "staging has no drift.",
    });
  });

  it("keeps environments apart and ignores pull requests and unlabelled issues", () => {
    const { github, run } = harness([DRIFT]);
    github.addIssue("Drift detected in dev", { labels: [DRIFT_LABEL] });
    github.addIssue("Drift detected in production", { labels: [DRIFT_LABEL], pullRequest: true });
    github.addIssue("Drift detected in production", { labels: ["bug"] });
    const report = run("production");
    expect(report.issue).toMatchObject({ action: "created", number: 4 });
    expect(github.issue(1).state).toBe("open");
    expect(github.issue(1).body).toBe("");
  });

  it("closes duplicates, keeping the oldest issue", () => {
    const { github, run } = harness([DRIFT]);
    github.addIssue("Drift detected in dev", { labels: [DRIFT_LABEL] });
    github.addIssue("Drift detected in dev", { labels: [DRIFT_LABEL] });
    expect(run("dev").issue).toMatchObject({ action: "updated", number: 1 });
    expect(github.issue(2).state).toBe("closed");
    expect(github.issue(2).comments[0].body).toBe("Duplicate of #1, which tracks drift in `dev`.");
  });

  it("leaves issues alone when the check itself fails", () => {
    const { github, run } = harness([BROKEN]);
    github.addIssue("Drift detected in dev", { labels: [DRIFT_LABEL] });
    const report = run("dev");
    expect(report).toEqual({
      status: "error",
      issue: { action: "none" },
      exitCode: 1,
      message:
        "The drift check of dev failed before it could compare (exit 255); issues were left as they are. Pulumi said:\nerror: failed to decrypt the data key: AccessDeniedException",
    });
    expect(github.calls).toEqual([]);
    expect(github.issue(1).state).toBe("open");
  });

  it("touches no issue with --no-issue", () => {
    const { github, run } = harness([DRIFT]);
    expect(run("dev", ["--no-issue"]).exitCode).toBe(1);
    expect(github.calls).toEqual([]);
  });
});

describe("drift arguments", () => {
  it.each([
    [[], "error: required option '--env <environment>' not specified. See --help."],
    [
      ["--env", "prod"],
      "error: option '--env <environment>' argument 'prod' is invalid. Allowed choices are dev, staging, production. Did you mean production?",
    ],
    [
      ["--env", "dev", "--repo", "acme"],
      `error: option '--repo <owner/repo>' argument 'acme' is invalid. Repository "acme" is not OWNER/REPO.`,
    ],
  ])("refuses %j with exit 2", (argv, message) => {
    const io = captureIo();
    expect(parseDriftArgs(argv, io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toBe(`${message}\n`);
  });

  it("reads --no-issue and an empty --run-url", () => {
    expect(driftOptions(["--env", "staging", "--run-url", "", "--no-issue"])).toEqual({
      environment: "staging",
      runUrl: undefined,
      repository: undefined,
      manageIssue: false,
    });
  });

  it("needs a repository to manage issues", () => {
    expect(() =>
      runDrift(
        driftOptions(["--env", "dev"]),
        {},
        () => DRIFT,
        new FakeGitHub(REPOSITORY).runner,
        () => NOW,
      ),
    ).toThrow(
      "No repository: pass --repo OWNER/REPO, or run inside GitHub Actions where GITHUB_REPOSITORY is set.",
    );
  });
});

describe("npm run drift", () => {
  function cli(result: PulumiResult, env: NodeJS.ProcessEnv = {}) {
    const io = captureIo({ GITHUB_REPOSITORY: REPOSITORY, ...env });
    const github = new FakeGitHub(REPOSITORY);
    const appended: [string, string][] = [];
    const code = driftCli(["--env", "dev", "--run-url", RUN_URL], io, {
      pulumi: () => result,
      gh: github.runner,
      now: () => NOW,
      appendFile: (path, text) => appended.push([path, text]),
    });
    return { code, io, appended };
  }

  it("exits 0 when clean, 1 on drift and 1 when the check fails, with the verdict in the summary", () => {
    const clean = cli(CLEAN, { GITHUB_STEP_SUMMARY: "/summary" });
    expect(clean.code).toBe(0);
    expect(clean.io.out()).toBe("dev has no drift.\n");
    expect(clean.appended).toEqual([["/summary", "### Drift check\n\ndev has no drift.\n"]]);
    const drift = cli(DRIFT);
    expect(drift.code).toBe(1);
    expect(drift.io.err()).toContain(
      "Drift detected in dev: the cloud differs from the stack's state.",
    );
    const broken = cli(BROKEN);
    expect(broken.code).toBe(1);
    expect(broken.io.err()).toContain("The drift check of dev failed before it could compare");
  });
});
