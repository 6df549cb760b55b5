import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

import type { GhRunner } from "../scripts/gitops/github";
import {
  RELEASE_TAG_PATTERN,
  STAGING_DEPLOY,
  checkTagShape,
  parseVerifyReleaseArgs,
  verifyRelease,
  verifyReleaseCli,
} from "../scripts/gitops/verify-release";
import { captureIo } from "../scripts/cli/capture-io";
import { FakeActionsApi, job } from "./support/github-actions-api";

const TSX = join(__dirname, "../node_modules/.bin/tsx");

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Release Test",
  GIT_AUTHOR_EMAIL: "release-test@example.com",
  GIT_COMMITTER_NAME: "Release Test",
  GIT_COMMITTER_EMAIL: "release-test@example.com",
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" }).trim();
}

function commit(cwd: string, file: string, content: string): string {
  writeFileSync(join(cwd, file), content);
  git(cwd, "add", file);
  git(cwd, "commit", "-q", "-m", `Change ${file}`);
  return git(cwd, "rev-parse", "HEAD");
}

const REPOSITORY = "acme/trading-analytics";

/**
 * A bare "origin" with main and staging, and a clone of it as the checkout sees it (remote
 * branches under refs/remotes/origin). staging deployed `onStaging`, then got `docsOnStaging`, a
 * documentation change that started no deploy; main is one commit ahead with `onlyOnMain`.
 */
interface Fixture {
  readonly root: string;
  readonly clone: string;
  readonly onStaging: string;
  readonly docsOnStaging: string;
  readonly onlyOnMain: string;
}

function createFixture(): Fixture {
  const root = mkdtempSync(join(tmpdir(), "verify-release-"));
  const origin = join(root, "origin.git");
  const work = join(root, "work");
  const clone = join(root, "clone");
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", origin], { env: GIT_ENV });
  execFileSync("git", ["init", "-q", "-b", "main", work], { env: GIT_ENV });
  git(work, "remote", "add", "origin", origin);
  commit(work, "README.md", "first\n");
  const onStaging = commit(work, "app.txt", "released\n");
  const docsOnStaging = commit(work, "README.md", "documented\n");
  git(work, "branch", "staging");
  const onlyOnMain = commit(work, "app.txt", "not yet on staging\n");
  git(work, "tag", "v1.2.3", onStaging);
  git(work, "tag", "-a", "v1.3.0", "-m", "Annotated release", onStaging);
  git(work, "tag", "v1.4.0", onlyOnMain);
  git(work, "tag", "v1.5.0", docsOnStaging);
  git(work, "tag", "1.2.3", onStaging);
  git(work, "tag", "v1.2.3-rc1", onStaging);
  git(work, "push", "-q", "origin", "main", "staging", "--tags");
  execFileSync("git", ["clone", "-q", origin, clone], { env: GIT_ENV });
  return { root, clone, onStaging, docsOnStaging, onlyOnMain };
}

const STAGING_JOB = job(STAGING_DEPLOY.job, ["Set up job", "Pulumi up", "Smoke check"]);

/** GitHub as it is after staging deployed `onStaging` (and dev deployed everything). */
function deployedGitHub(fixture: Fixture): FakeActionsApi {
  const github = new FakeActionsApi(REPOSITORY);
  github.addRun("deploy.yml", {
    head_branch: "main",
    head_sha: fixture.onStaging,
    jobs: [job("Dev / up dev", ["Pulumi up", "Smoke check"])],
  });
  github.addRun("deploy.yml", {
    head_branch: "staging",
    head_sha: fixture.onStaging,
    jobs: [STAGING_JOB],
  });
  github.addRun("deploy.yml", { head_branch: "main", head_sha: fixture.onlyOnMain });
  return github;
}

/** A `gh` on PATH that answers exactly the calls recorded from `runner`, and nothing else. */
function replayingGh(root: string, runner: GhRunner, record: (gh: GhRunner) => void): string {
  const responses: Record<string, string> = {};
  const recording: GhRunner = (args, input) => {
    const output = runner(args, input);
    responses[JSON.stringify(args)] = output;
    return output;
  };
  record(recording);
  const bin = join(root, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(root, "gh-responses.json"), JSON.stringify(responses));
  writeFileSync(
    join(bin, "gh"),
    [
      "#!/usr/bin/env node",
      "const responses = require(process.env.FAKE_GH_RESPONSES);",
      "const key = JSON.stringify(process.argv.slice(2));",
      "if (!(key in responses)) {",
      "  process.stderr.write(`unexpected gh call ${key}\\n`);",
      "  process.exit(1);",
      "}",
      "process.stdout.write(responses[key]);",
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "gh"), 0o755);
  return bin;
}

describe("release tag shape", () => {
  it.each(["v0.0.0", "v1.2.3", "v10.20.30", "v1.0.99"])("accepts %s", (tag) => {
    expect(RELEASE_TAG_PATTERN.test(tag)).toBe(true);
    expect(() => checkTagShape(tag)).not.toThrow();
  });

  it.each([
    "1.2.3",
    "v1.2",
    "v1.2.3.4",
    "v01.2.3",
    "v1.02.3",
    "v1.2.3-rc1",
    "v1.2.3+build",
    "V1.2.3",
    "",
  ])("rejects %j with the rule", (tag) => {
    expect(() => checkTagShape(tag)).toThrow(
      `Tag "${tag}" is not a release tag: production deploys only tags shaped vMAJOR.MINOR.PATCH, e.g. v1.4.2 (no leading zeros, no suffix).`,
    );
  });
});

describe("verifyRelease against real git repositories", () => {
  let fixture: Fixture;

  beforeAll(() => {
    fixture = createFixture();
  });

  afterAll(() => {
    rmSync(fixture.root, { recursive: true, force: true });
  });

  const options = (tag: string) => ({
    tag,
    branch: "staging",
    remote: "origin",
    cwd: fixture.clone,
    repository: REPOSITORY,
  });
  const verify = (tag: string, github = deployedGitHub(fixture)) =>
    verifyRelease(options(tag), github.runner);

  it("passes a lightweight tag whose commit is on origin/staging", () => {
    const github = deployedGitHub(fixture);
    const stagingRun = github.runs[1];
    expect(verify("v1.2.3", github)).toEqual({
      tag: "v1.2.3",
      commit: fixture.onStaging,
      branchRef: "refs/remotes/origin/staging",
      stagingRun: { number: stagingRun.run_number, url: stagingRun.html_url },
    });
    expect(github.calls).toEqual([
      `api repos/${REPOSITORY}/actions/workflows/deploy.yml/runs?head_sha=${fixture.onStaging}&branch=staging&event=push&per_page=100 --jq .workflow_runs[] | {id, run_number, display_title, event, head_branch, head_sha, status, conclusion, html_url, created_at} | @json`,
      `api --paginate repos/${REPOSITORY}/actions/runs/${stagingRun.id}/jobs?per_page=100 --jq .jobs[] | {name, status, conclusion, html_url, steps: [(.steps // [])[] | {name, status, conclusion}]} | @json`,
    ]);
  });

  it("passes an annotated tag, resolving it to its commit", () => {
    expect(verify("v1.3.0").commit).toBe(fixture.onStaging);
  });

  it("fails a tag whose commit is only on main, saying what to do, before asking GitHub", () => {
    const github = deployedGitHub(fixture);
    expect(() => verify("v1.4.0", github)).toThrow(
      `Tag v1.4.0 points at ${fixture.onlyOnMain}, which is not on origin/staging. Production only runs commits that staging already runs: merge the change into staging, let it deploy there, then tag a commit from staging.`,
    );
    expect(github.calls).toEqual([]);
  });

  it("fails a malformed tag before looking at git, even when the tag exists", () => {
    expect(() => verify("1.2.3")).toThrow('Tag "1.2.3" is not a release tag');
    expect(() => verify("v1.2.3-rc1")).toThrow('Tag "v1.2.3-rc1" is not a release tag');
  });

  it("fails a tag that does not exist", () => {
    expect(() => verify("v9.9.9")).toThrow(
      "Tag v9.9.9 does not exist in this clone. Push it (git push origin v9.9.9) and check out with all tags (actions/checkout with fetch-depth: 0).",
    );
  });

  it("fails when the staging branch was not fetched", () => {
    expect(() =>
      verifyRelease({ ...options("v1.2.3"), branch: "release" }, deployedGitHub(fixture).runner),
    ).toThrow(
      "origin/release is not in this clone, so tag v1.2.3 cannot be checked against it. Fetch all branches (actions/checkout with fetch-depth: 0, or git fetch origin release).",
    );
  });

  it("fails outside a git repository", () => {
    const empty = mkdtempSync(join(tmpdir(), "not-a-repo-"));
    try {
      expect(() =>
        verifyRelease({ ...options("v1.2.3"), cwd: empty }, deployedGitHub(fixture).runner),
      ).toThrow(`${empty} is not a git repository`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("runs as the workflow runs it: exit 0, the tag, commit and staging run in GITHUB_OUTPUT", () => {
    const github = deployedGitHub(fixture);
    const bin = replayingGh(fixture.root, github.runner, (gh) => {
      verifyRelease(options("v1.2.3"), gh);
    });
    const output = join(fixture.root, "github-output");
    const summary = join(fixture.root, "github-summary");
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const result = spawnSync(
      TSX,
      [join(__dirname, "../scripts/gitops/verify-release.ts"), "--tag", "v1.2.3"],
      {
        cwd: fixture.clone,
        encoding: "utf8",
        env: {
          ...GIT_ENV,
          PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
          FAKE_GH_RESPONSES: join(fixture.root, "gh-responses.json"),
          GITHUB_REPOSITORY: REPOSITORY,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: summary,
        },
      },
    );
    const run = github.runs[1];
    const message = `Release v1.2.3 (${fixture.onStaging}) is on origin/staging, which deployed it successfully in Deploy run #${run.run_number} (${run.html_url}).`;
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${message}\n`);
    expect(readFileSync(output, "utf8")).toBe(
      `tag=v1.2.3\ncommit=${fixture.onStaging}\nstaging-run=${run.html_url}\n`,
    );
    expect(readFileSync(summary, "utf8")).toBe(`### Release verified\n\n${message}\n`);
  });

  it("runs as the workflow runs it: exit 1 and an error annotation for a tag not on staging", () => {
    const result = spawnSync(
      TSX,
      [join(__dirname, "../scripts/gitops/verify-release.ts"), "--tag", "v1.4.0"],
      {
        cwd: fixture.clone,
        encoding: "utf8",
        env: { ...GIT_ENV, GITHUB_ACTIONS: "true", GITHUB_REPOSITORY: REPOSITORY },
      },
    );
    expect(result.status).toBe(1);
    const message = `Tag v1.4.0 points at ${fixture.onlyOnMain}, which is not on origin/staging. Production only runs commits that staging already runs: merge the change into staging, let it deploy there, then tag a commit from staging.`;
    expect(result.stderr).toBe(`${message}\n`);
    expect(result.stdout).toBe(`::error title=Release not verified::${message}\n`);
  });
  describe("staging's deploy of exactly that commit", () => {
    const RULE =
      "Production only runs a commit that staging deployed and smoke-checked successfully.";

    it("fails a commit on staging that staging never deployed, naming the one it did", () => {
      const github = deployedGitHub(fixture);
      const deployed = github.runs[1];
      expect(() => verify("v1.5.0", github)).toThrow(
        `Tag v1.5.0 points at ${fixture.docsOnStaging}, which staging never deployed: there is no deploy.yml run for a push of it to staging (a push that changes only documentation or tests starts none). ${RULE} The newest commit before it that staging deployed successfully is ${fixture.onStaging}, in Deploy run #${deployed.run_number} (${deployed.html_url}): tag that one, or merge a change that deploys into staging and tag its commit once it has deployed.`,
      );
    });

    it("fails a commit staging never deployed when nothing before it deployed either", () => {
      const github = new FakeActionsApi(REPOSITORY);
      github.addRun("deploy.yml", { head_branch: "staging", head_sha: fixture.onlyOnMain });
      expect(() => verify("v1.2.3", github)).toThrow(
        `Tag v1.2.3 points at ${fixture.onStaging}, which staging never deployed: there is no deploy.yml run for a push of it to staging (a push that changes only documentation or tests starts none). ${RULE} Merge into staging, let it deploy there, then tag the commit it deployed.`,
      );
    });

    it("ignores the dev deploy of the same commit", () => {
      const github = new FakeActionsApi(REPOSITORY);
      github.addRun("deploy.yml", {
        head_branch: "main",
        head_sha: fixture.onStaging,
        jobs: [STAGING_JOB],
      });
      expect(() => verify("v1.2.3", github)).toThrow("which staging never deployed");
    });

    it("waits for a staging deploy that has not finished", () => {
      const github = deployedGitHub(fixture);
      const running = github.addRun("deploy.yml", {
        head_branch: "staging",
        head_sha: fixture.onStaging,
        status: "in_progress",
        conclusion: null,
      });
      expect(() => verify("v1.2.3", github)).toThrow(
        `The staging deploy of ${fixture.onStaging} (tag v1.2.3) has not finished: Deploy run #${running.run_number} (${running.html_url}) is in_progress. ${RULE} Wait for it to succeed, then run the release again.`,
      );
    });

    it("fails when the newest staging deploy of the commit failed, even after an earlier success", () => {
      const github = deployedGitHub(fixture);
      const failed = github.addRun("deploy.yml", {
        head_branch: "staging",
        head_sha: fixture.onStaging,
        conclusion: "failure",
        jobs: [job(STAGING_DEPLOY.job, ["Pulumi up", "Smoke check"], "failure")],
      });
      expect(() => verify("v1.2.3", github)).toThrow(
        `The staging deploy of ${fixture.onStaging} (tag v1.2.3) did not succeed: Deploy run #${failed.run_number} (${failed.html_url}) ended failure. ${RULE} Re-run it once the cause is fixed, or merge a fix into staging and tag the commit it deploys.`,
      );
    });

    it("passes when a re-run (a newer run of the commit) succeeded", () => {
      const github = new FakeActionsApi(REPOSITORY);
      github.addRun("deploy.yml", {
        head_branch: "staging",
        head_sha: fixture.onStaging,
        conclusion: "cancelled",
      });
      const rerun = github.addRun("deploy.yml", {
        head_branch: "staging",
        head_sha: fixture.onStaging,
        jobs: [STAGING_JOB],
      });
      expect(verify("v1.2.3", github).stagingRun).toEqual({
        number: rerun.run_number,
        url: rerun.html_url,
      });
    });

    it("fails a successful run whose staging job skipped the smoke check", () => {
      const github = new FakeActionsApi(REPOSITORY);
      const run = github.addRun("deploy.yml", {
        head_branch: "staging",
        head_sha: fixture.onStaging,
        jobs: [
          {
            ...job(STAGING_DEPLOY.job, ["Pulumi up"]),
            steps: [
              { name: "Pulumi up", status: "completed", conclusion: "success" },
              { name: "Smoke check", status: "completed", conclusion: "skipped" },
            ],
          },
        ],
      });
      expect(() => verify("v1.2.3", github)).toThrow(
        `Deploy run #${run.run_number} (${run.html_url}) for ${fixture.onStaging} (tag v1.2.3) succeeded, but in its job "Staging / up staging" (success) these steps did not succeed: Smoke check. ${RULE} It must show "Staging / up staging" with "Pulumi up" and "Smoke check" successful.`,
      );
    });

    it("fails a successful run without the staging job", () => {
      const github = new FakeActionsApi(REPOSITORY);
      const run = github.addRun("deploy.yml", {
        head_branch: "staging",
        head_sha: fixture.onStaging,
        jobs: [job("Dev / up dev", ["Pulumi up", "Smoke check"])],
      });
      expect(() => verify("v1.2.3", github)).toThrow(
        `Deploy run #${run.run_number} (${run.html_url}) for ${fixture.onStaging} (tag v1.2.3) succeeded, but it has no job "Staging / up staging" (jobs: "Dev / up dev"). ${RULE}`,
      );
    });
  });
});

describe("verify-release arguments", () => {
  const env = { GITHUB_REPOSITORY: REPOSITORY };

  it("defaults to origin/staging in the working directory, and the run's repository", () => {
    expect(parseVerifyReleaseArgs(["--tag", "v1.0.0"], "/repo", captureIo(env))).toEqual({
      kind: "run",
      options: {
        tag: "v1.0.0",
        branch: "staging",
        remote: "origin",
        cwd: "/repo",
        repository: REPOSITORY,
      },
    });
    expect(
      parseVerifyReleaseArgs(["--tag", "v1.0.0", "--repo", "acme/other"], "/repo", captureIo(env)),
    ).toMatchObject({ options: { repository: "acme/other" } });
  });

  it.each([
    [[], env, "error: required option '--tag <tag>' not specified. See --help."],
    [["--tag", ""], env, "error: --tag needs a release tag, e.g. --tag v1.4.2."],
    [
      ["--tag", "v1.0.0"],
      {},
      "error: No repository: pass --repo OWNER/REPO, or run inside GitHub Actions where GITHUB_REPOSITORY is set.",
    ],
  ])("refuses %j with exit 2", (argv, environment, message) => {
    const io = captureIo(environment);
    expect(parseVerifyReleaseArgs(argv, "/repo", io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toBe(`${message}\n`);
  });

  it("exits 1 with an annotation in GitHub Actions for a tag that is no release tag", () => {
    const io = captureIo({ ...env, GITHUB_ACTIONS: "true" });
    const code = verifyReleaseCli(["--tag", "v1.2.3-rc1"], io, () => {
      throw new Error("gh is not asked about a tag that is no release tag");
    });
    expect(code).toBe(1);
    expect(io.err()).toContain('Tag "v1.2.3-rc1" is not a release tag');
    expect(io.out()).toContain('::error title=Release not verified::Tag "v1.2.3-rc1"');
  });
});
