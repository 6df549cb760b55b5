import { errorAnnotation } from "../scripts/gitops/github";
import {
  checkEnvironmentIdle,
  otherActiveRuns,
  parseEnvironmentRunsArgs,
  runEnvironment,
} from "../scripts/gitops/environment-runs";
import { FakeActionsApi } from "./support/github-actions-api";

const REPOSITORY = "acme/trading-analytics";
const CURRENT = 500;

function destroyRun(github: FakeActionsApi, environment: string, status = "in_progress") {
  return github.addRun("destroy.yml", {
    event: "workflow_dispatch",
    head_branch: "main",
    display_title: `Destroy ${environment}`,
    status,
    conclusion: null,
  });
}

describe("the environment a run works on", () => {
  it.each([
    [{ event: "push", head_branch: "main" }, "dev"],
    [{ event: "push", head_branch: "staging" }, "staging"],
    [{ event: "push", head_branch: "v1.4.2" }, "production"],
    [{ event: "workflow_dispatch", head_branch: "main" }, "production"],
    [{ event: "push", head_branch: "feature/x" }, undefined],
    [{ event: "push", head_branch: "v1.4" }, undefined],
    [{ event: "push", head_branch: null }, undefined],
    [{ event: "schedule", head_branch: "main" }, undefined],
  ] as const)("deploy.yml %j -> %s", (run, environment) => {
    expect(runEnvironment("deploy.yml", { ...run, display_title: "Merge pull request #7" })).toBe(
      environment,
    );
  });

  it.each([
    ["Destroy dev", "dev"],
    ["Destroy staging", "staging"],
    ["Destroy production", "production"],
    ["Destroy", undefined],
    ["Destroy prod", undefined],
  ])("destroy.yml named %j -> %s", (title, environment) => {
    expect(
      runEnvironment("destroy.yml", {
        event: "workflow_dispatch",
        head_branch: "main",
        display_title: title,
      }),
    ).toBe(environment);
  });
});

describe("other runs that have not finished", () => {
  it("asks for every unfinished status of both workflows", () => {
    const github = new FakeActionsApi(REPOSITORY);
    expect(otherActiveRuns(github.runner, REPOSITORY, "staging", CURRENT)).toEqual([]);
    expect(github.calls.map((call) => call.split(" ")[1])).toEqual(
      ["deploy.yml", "destroy.yml"].flatMap((workflow) =>
        ["queued", "in_progress", "waiting", "requested", "pending"].map(
          (status) =>
            `repos/${REPOSITORY}/actions/workflows/${workflow}/runs?status=${status}&per_page=100`,
        ),
      ),
    );
  });

  it("finds a queued up, a release waiting for its reviewer and another destroy, not this run", () => {
    const github = new FakeActionsApi(REPOSITORY);
    github.addRun("destroy.yml", {
      id: CURRENT,
      event: "workflow_dispatch",
      display_title: "Destroy production",
      status: "in_progress",
      conclusion: null,
    });
    const release = github.addRun("deploy.yml", {
      head_branch: "v1.4.2",
      status: "waiting",
      conclusion: null,
    });
    const rollback = github.addRun("deploy.yml", {
      event: "workflow_dispatch",
      head_branch: "main",
      status: "queued",
      conclusion: null,
    });
    const otherDestroy = destroyRun(github, "production", "pending");
    github.addRun("deploy.yml", { head_branch: "main", status: "in_progress", conclusion: null });
    github.addRun("deploy.yml", { head_branch: "v1.4.1" });
    destroyRun(github, "staging");

    const active = otherActiveRuns(github.runner, REPOSITORY, "production", CURRENT);
    expect(active.map(({ workflow, run }) => [workflow, run.id])).toEqual([
      ["deploy.yml", release.id],
      ["deploy.yml", rollback.id],
      ["destroy.yml", otherDestroy.id],
    ]);
  });

  it("refuses to destroy, naming each run, and says nothing was destroyed", () => {
    const github = new FakeActionsApi(REPOSITORY);
    const up = github.addRun("deploy.yml", {
      head_branch: "staging",
      display_title: "Merge main into staging",
      status: "queued",
      conclusion: null,
    });
    const report = checkEnvironmentIdle(github.runner, REPOSITORY, "staging", CURRENT);
    expect(report).toEqual({
      exitCode: 1,
      message: [
        "Not destroying staging: another run works on it and has not finished. Nothing was destroyed. Let it finish (or cancel it), then run Destroy again:",
        `- deploy.yml run #${up.run_number} "Merge main into staging" (push of staging, queued): ${up.html_url}`,
      ].join("\n"),
    });

    destroyRun(github, "staging", "waiting");
    expect(
      checkEnvironmentIdle(github.runner, REPOSITORY, "staging", CURRENT).message.split("\n")[0],
    ).toBe(
      "Not destroying staging: 2 other runs work on it and have not finished. Nothing was destroyed. Let them finish (or cancel them), then run Destroy again:",
    );
  });

  it("lets the destroy go ahead when only finished runs and other environments' runs exist", () => {
    const github = new FakeActionsApi(REPOSITORY);
    github.addRun("deploy.yml", { head_branch: "staging" });
    github.addRun("deploy.yml", { head_branch: "staging", conclusion: "failure" });
    github.addRun("deploy.yml", { head_branch: "main", status: "in_progress", conclusion: null });
    destroyRun(github, "production");
    expect(checkEnvironmentIdle(github.runner, REPOSITORY, "staging", CURRENT)).toEqual({
      exitCode: 0,
      message: "No other deploy or destroy of staging is queued, waiting or running.",
    });
  });
});

describe("environment-runs arguments", () => {
  const env = { GITHUB_REPOSITORY: REPOSITORY };

  it("reads the environment, this run and the repository", () => {
    expect(parseEnvironmentRunsArgs(["--env", "dev", "--current-run", "42"], env)).toEqual({
      environment: "dev",
      currentRunId: 42,
      repository: REPOSITORY,
    });
  });

  it.each([
    [[], "--env and --current-run are required"],
    [["--env", "dev"], "--env and --current-run are required"],
    [["--env", "dev", "--current-run", "x"], '--current-run "x" is not a run id (GITHUB_RUN_ID).'],
    [["--env", "prod", "--current-run", "1"], 'Unknown environment "prod"'],
  ])("rejects %j", (argv, message) => {
    expect(() => parseEnvironmentRunsArgs(argv, env)).toThrow(message);
  });
});

describe("error annotations", () => {
  it("keep a multi-line message in one workflow command", () => {
    expect(errorAnnotation("Destroy refused: staging, now", "50% done\nsee:\r\n- run")).toBe(
      "::error title=Destroy refused%3A staging%2C now::50%25 done%0Asee:%0D%0A- run\n",
    );
  });
});
