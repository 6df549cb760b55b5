import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  RELEASE_TAG_PATTERN,
  checkTagShape,
  parseVerifyReleaseArgs,
  verifyRelease,
} from "../scripts/verify-release";

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

/**
 * A bare "origin" with main and staging, and a clone of it as the checkout sees it (remote
 * branches under refs/remotes/origin). staging holds `onStaging`; main is one commit ahead
 * with `onlyOnMain`.
 */
interface Fixture {
  readonly root: string;
  readonly clone: string;
  readonly onStaging: string;
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
  git(work, "branch", "staging");
  const onlyOnMain = commit(work, "app.txt", "not yet on staging\n");
  git(work, "tag", "v1.2.3", onStaging);
  git(work, "tag", "-a", "v1.3.0", "-m", "Annotated release", onStaging);
  git(work, "tag", "v1.4.0", onlyOnMain);
  git(work, "tag", "1.2.3", onStaging);
  git(work, "tag", "v1.2.3-rc1", onStaging);
  git(work, "push", "-q", "origin", "main", "staging", "--tags");
  execFileSync("git", ["clone", "-q", origin, clone], { env: GIT_ENV });
  return { root, clone, onStaging, onlyOnMain };
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
  });

  it("passes a lightweight tag whose commit is on origin/staging", () => {
    expect(verifyRelease(options("v1.2.3"))).toEqual({
      tag: "v1.2.3",
      commit: fixture.onStaging,
      branchRef: "refs/remotes/origin/staging",
    });
  });

  it("passes an annotated tag, resolving it to its commit", () => {
    expect(verifyRelease(options("v1.3.0")).commit).toBe(fixture.onStaging);
  });

  it("fails a tag whose commit is only on main, saying what to do", () => {
    expect(() => verifyRelease(options("v1.4.0"))).toThrow(
      `Tag v1.4.0 points at ${fixture.onlyOnMain}, which is not on origin/staging. Production only runs commits that staging already runs: merge the change into staging, let it deploy there, then tag a commit from staging.`,
    );
  });

  it("fails a malformed tag before looking at git, even when the tag exists", () => {
    expect(() => verifyRelease(options("1.2.3"))).toThrow('Tag "1.2.3" is not a release tag');
    expect(() => verifyRelease(options("v1.2.3-rc1"))).toThrow(
      'Tag "v1.2.3-rc1" is not a release tag',
    );
  });

  it("fails a tag that does not exist", () => {
    expect(() => verifyRelease(options("v9.9.9"))).toThrow(
      "Tag v9.9.9 does not exist in this clone. Push it (git push origin v9.9.9) and check out with all tags (actions/checkout with fetch-depth: 0).",
    );
  });

  it("fails when the staging branch was not fetched", () => {
    expect(() => verifyRelease({ ...options("v1.2.3"), branch: "release" })).toThrow(
      "origin/release is not in this clone, so tag v1.2.3 cannot be checked against it. Fetch all branches (actions/checkout with fetch-depth: 0, or git fetch origin release).",
    );
  });

  it("fails outside a git repository", () => {
    const empty = mkdtempSync(join(tmpdir(), "not-a-repo-"));
    try {
      expect(() => verifyRelease({ ...options("v1.2.3"), cwd: empty })).toThrow(
        `${empty} is not a git repository`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("runs as the workflow runs it: exit 0 and the tag and commit in GITHUB_OUTPUT", () => {
    const output = join(fixture.root, "github-output");
    writeFileSync(output, "");
    const result = spawnSync(
      TSX,
      [join(__dirname, "../scripts/verify-release.ts"), "--tag", "v1.2.3"],
      { cwd: fixture.clone, encoding: "utf8", env: { ...GIT_ENV, GITHUB_OUTPUT: output } },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`Release v1.2.3 (${fixture.onStaging}) is on origin/staging.\n`);
    expect(readFileSync(output, "utf8")).toBe(`tag=v1.2.3\ncommit=${fixture.onStaging}\n`);
  });

  it("runs as the workflow runs it: exit 1 and an error annotation for a tag not on staging", () => {
    const result = spawnSync(
      TSX,
      [join(__dirname, "../scripts/verify-release.ts"), "--tag", "v1.4.0"],
      { cwd: fixture.clone, encoding: "utf8", env: { ...GIT_ENV, GITHUB_ACTIONS: "true" } },
    );
    expect(result.status).toBe(1);
    const message = `Tag v1.4.0 points at ${fixture.onlyOnMain}, which is not on origin/staging. Production only runs commits that staging already runs: merge the change into staging, let it deploy there, then tag a commit from staging.`;
    expect(result.stderr).toBe(`${message}\n`);
    expect(result.stdout).toBe(`::error title=Release not verified::${message}\n`);
  });
});

describe("verify-release arguments", () => {
  it("defaults to origin/staging in the working directory", () => {
    expect(parseVerifyReleaseArgs(["--tag", "v1.0.0"], "/repo")).toEqual({
      tag: "v1.0.0",
      branch: "staging",
      remote: "origin",
      cwd: "/repo",
    });
  });

  it("requires --tag", () => {
    expect(() => parseVerifyReleaseArgs([], "/repo")).toThrow(
      "--tag is required: npx tsx scripts/verify-release.ts --tag v1.4.2 [--branch staging] [--remote origin]",
    );
    expect(() => parseVerifyReleaseArgs(["--tag", ""], "/repo")).toThrow("--tag is required");
  });
});
