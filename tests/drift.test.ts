import {
  DRIFT_LABEL,
  classifyPreview,
  driftIssueBody,
  driftIssueTitle,
  parseDriftArgs,
  previewArguments,
  runDrift,
  type PreviewResult,
} from "../scripts/drift";
import { MAX_BODY_CHARACTERS, codeFence, stripAnsi, truncateBody } from "../scripts/gitops/github";
import { FakeGitHub } from "./support/fake-github";

const REPOSITORY = "acme/trading-analytics";
const RUN_URL = "https://github.com/acme/trading-analytics/actions/runs/42";
const NOW = new Date("2026-03-02T05:17:00.000Z");

const DRIFT_OUTPUT = [
  "Previewing update (production):",
  "    ~ aws:lambda/function:Function market-processor-function update [diff: ~memorySize]",
  "      ~ memorySize: \u001b[31m1024\u001b[0m => 2048",
  "error: no changes were expected but changes were proposed",
].join("\n");

const CLEAN: PreviewResult = { exitCode: 0, output: "Resources:\n    42 unchanged\n" };
const DRIFT: PreviewResult = { exitCode: 255, output: DRIFT_OUTPUT };
const BROKEN: PreviewResult = {
  exitCode: 255,
  output: "error: failed to decrypt the data key: AccessDeniedException",
};

function harness(results: PreviewResult[]) {
  const github = new FakeGitHub(REPOSITORY);
  const previews: string[][] = [];
  const queue = [...results];
  const preview = (args: readonly string[]) => {
    previews.push([...args]);
    const next = queue.shift();
    if (next === undefined) {
      throw new Error("No more preview results");
    }
    return next;
  };
  const run = (environment: string, extra: string[] = []) =>
    runDrift(
      parseDriftArgs(["--env", environment, "--run-url", RUN_URL, ...extra]),
      { GITHUB_REPOSITORY: REPOSITORY },
      preview,
      github.runner,
      () => NOW,
    );
  return { github, previews, run };
}

describe("classifying the refresh-preview", () => {
  it.each([
    [0, "", "clean"],
    [0, "no changes were expected but changes were proposed", "clean"],
    [255, "error: no changes were expected but changes were proposed", "drift"],
    [255, "error: no changes were expected for preview but changes were proposed", "drift"],
    [255, "error: failed to decrypt the data key", "error"],
    [1, "", "error"],
  ])("exit %i with %j is %s", (exitCode, output, status) => {
    expect(classifyPreview(exitCode, output)).toBe(status);
  });
});

describe("the refresh-preview command", () => {
  it.each(["dev", "staging", "production"] as const)("for %s", (environment) => {
    expect(previewArguments(environment)).toEqual([
      "preview",
      "--stack",
      environment,
      "--cwd",
      `environments/${environment}`,
      "--refresh",
      "--diff",
      "--expect-no-changes",
      "--non-interactive",
      "--color",
      "never",
      "--suppress-progress",
    ]);
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
        `The \`production\` stack no longer matches its resources: \`pulumi preview --refresh --expect-no-changes\` proposed changes in [this workflow run](${RUN_URL}) at 2026-03-02T05:17:00.000Z.`,
        "",
        "Someone or something changed these resources outside Pulumi. Either make the change in code and deploy it, or run `pulumi refresh` to accept it (see the Deploying chapter of the README). This issue is updated by every drift run and closed by the first one that finds the environment clean.",
        "",
        "<details open><summary>Diff</summary>",
        "",
        "````diff",
        "Previewing update (production):",
        "    ~ aws:lambda/function:Function market-processor-function update [diff: ~memorySize]",
        "      ~ memorySize: 1024 => 2048",
        "error: no changes were expected but changes were proposed",
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
    const { github, previews, run } = harness([DRIFT]);
    const report = run("production");
    expect(previews).toEqual([previewArguments("production")]);
    expect(report.status).toBe("drift");
    expect(report.exitCode).toBe(2);
    expect(report.issue).toEqual({
      action: "created",
      number: 1,
      url: "https://github.com/acme/trading-analytics/issues/1",
    });
    expect(report.message.split("\n")[0]).toBe(
      "Drift detected in production: the refresh-preview proposed changes. See #1 (created): https://github.com/acme/trading-analytics/issues/1",
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
    expect(run("dev", ["--no-issue"]).exitCode).toBe(2);
    expect(github.calls).toEqual([]);
  });
});

describe("drift arguments", () => {
  it("requires a known environment", () => {
    expect(() => parseDriftArgs([])).toThrow(
      "--env is required: npx tsx scripts/drift.ts --env <dev|staging|production> [--run-url <url>] [--repo OWNER/REPO] [--no-issue]",
    );
    expect(() => parseDriftArgs(["--env", "prod"])).toThrow(
      'Unknown environment "prod". Use one of: dev, staging, production (the stack name is the environment name).',
    );
  });

  it("needs a repository to manage issues", () => {
    expect(() =>
      runDrift(
        parseDriftArgs(["--env", "dev"]),
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
