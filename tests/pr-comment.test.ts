import { MAX_BODY_CHARACTERS, commentMarker } from "../scripts/gitops/github";
import { captureIo } from "../scripts/cli/capture-io";
import {
  parsePrCommentArgs,
  prCommentCli,
  runPrComment,
  type PrCommentOptions,
} from "../scripts/plan/pr-comment";
import { FakeGitHub } from "./support/fake-github";

const REPOSITORY = "acme/trading-analytics";
const ENV = { GITHUB_REPOSITORY: REPOSITORY };

/** The options of a command line pr-comment accepts. */
function options(argv: string[]): PrCommentOptions {
  const parsed = parsePrCommentArgs(argv, captureIo());
  if (parsed.kind !== "run") {
    throw new Error(`${argv.join(" ")} was refused`);
  }
  return parsed.options;
}

function post(github: FakeGitHub, key: string, content: string, pr = 1) {
  return runPrComment(
    options([
      "--pr",
      String(pr),
      "--key",
      key,
      "--title",
      `Offline plan: ${key}`,
      "--body-file",
      "plan.md",
    ]),
    ENV,
    github.runner,
    (path) => {
      expect(path).toBe("plan.md");
      return content;
    },
  );
}

describe("the offline plan comment", () => {
  it("creates one comment, then edits it on every later push", () => {
    const github = new FakeGitHub(REPOSITORY);
    const pr = github.addIssue("Add a symbol filter", { pullRequest: true });
    github.issue(pr.number).comments.push({ id: 7, body: "Looks good" });

    expect(post(github, "offline-plan-dev", "| resources | 41 |\n")).toEqual({
      action: "created",
      id: 1000,
    });
    expect(post(github, "offline-plan-dev", "| resources | 42 |\n")).toEqual({
      action: "updated",
      id: 1000,
    });
    expect(github.issue(1).comments).toEqual([
      { id: 7, body: "Looks good" },
      {
        id: 1000,
        body: "<!-- trading-analytics:offline-plan-dev -->\n## Offline plan: offline-plan-dev\n\n| resources | 42 |\n",
      },
    ]);
  });

  it("keeps one comment per key", () => {
    const github = new FakeGitHub(REPOSITORY);
    github.addIssue("Promote", { pullRequest: true });
    post(github, "offline-plan-dev", "dev plan");
    post(github, "offline-plan-staging", "staging plan");
    expect(github.issue(1).comments.map((comment) => comment.body.split("\n")[0])).toEqual([
      commentMarker("offline-plan-dev"),
      commentMarker("offline-plan-staging"),
    ]);
  });

  it("stays under GitHub's comment limit", () => {
    const github = new FakeGitHub(REPOSITORY);
    github.addIssue("Big plan", { pullRequest: true });
    post(github, "offline-plan-dev", "y".repeat(70_000));
    expect(github.issue(1).comments[0].body.length).toBe(MAX_BODY_CHARACTERS);
  });
});

describe("pr-comment arguments", () => {
  const base = ["--key", "plan", "--title", "Plan", "--body-file", "p.md"];

  it.each([
    [["--pr", "3"], "error: required option '--key <key>' not specified. See --help."],
    [
      ["--pr", "abc", ...base],
      "error: option '--pr <number>' argument 'abc' is invalid. Expected a pull request number, e.g. --pr 12.",
    ],
    [
      ["--pr", "0", ...base],
      "error: option '--pr <number>' argument '0' is invalid. Expected a pull request number, e.g. --pr 12.",
    ],
    [
      ["--pr", "3", "--key", "Plan!", "--title", "t", "--body-file", "p"],
      "error: option '--key <key>' argument 'Plan!' is invalid. Expected lower-case letters, digits and hyphens, e.g. offline-plan-dev.",
    ],
    [
      ["--pr", "3", ...base, "--repo", "not a repo"],
      `error: option '--repo <owner/repo>' argument 'not a repo' is invalid. Repository "not a repo" is not OWNER/REPO.`,
    ],
  ])("refuses %j with exit 2", (argv, message) => {
    const io = captureIo();
    expect(parsePrCommentArgs(argv, io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toBe(`${message}\n`);
  });

  it("takes the repository from GITHUB_REPOSITORY unless --repo is given", () => {
    const github = new FakeGitHub("other/repo");
    github.addIssue("x", { pullRequest: true });
    expect(
      runPrComment(
        options([
          "--pr",
          "1",
          "--key",
          "k",
          "--title",
          "T",
          "--body-file",
          "f",
          "--repo",
          "other/repo",
        ]),
        ENV,
        github.runner,
        () => "body",
      ),
    ).toEqual({ action: "created", id: 1000 });
    expect(() =>
      runPrComment(
        options(["--pr", "1", "--key", "k", "--title", "T", "--body-file", "f"]),
        {},
        github.runner,
        () => "body",
      ),
    ).toThrow("No repository: pass --repo OWNER/REPO");
  });

  it("exits 0 with what it did, 1 when the comment cannot be posted", () => {
    const github = new FakeGitHub(REPOSITORY);
    github.addIssue("x", { pullRequest: true });
    const argv = ["--pr", "1", "--key", "k", "--title", "T", "--body-file", "f"];
    const posted = captureIo(ENV);
    expect(prCommentCli(argv, posted, github.runner, () => "body")).toBe(0);
    expect(posted.out()).toBe("Comment 1000 created.\n");
    const unreadable = captureIo(ENV);
    const code = prCommentCli(argv, unreadable, github.runner, () => {
      throw new Error("ENOENT: no such file or directory, open 'f'");
    });
    expect(code).toBe(1);
    expect(unreadable.err()).toBe("ENOENT: no such file or directory, open 'f'\n");
  });
});
