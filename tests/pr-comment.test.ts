import { MAX_BODY_CHARACTERS, commentMarker } from "../scripts/gitops/github";
import { parsePrCommentArgs, runPrComment } from "../scripts/pr-comment";
import { FakeGitHub } from "./support/fake-github";

const REPOSITORY = "acme/trading-analytics";
const ENV = { GITHUB_REPOSITORY: REPOSITORY };

function post(github: FakeGitHub, key: string, content: string, pr = 1) {
  return runPrComment(
    ["--pr", String(pr), "--key", key, "--title", `Offline plan: ${key}`, "--body-file", "plan.md"],
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
  it("names every missing option", () => {
    expect(() => parsePrCommentArgs(["--pr", "3"])).toThrow(
      "Missing --key, --title, --body-file: npx tsx scripts/pr-comment.ts --pr <number> --key <key> --title <title> --body-file <file> [--repo OWNER/REPO]",
    );
  });

  it("rejects a bad pull request number or key", () => {
    const base = ["--key", "plan", "--title", "Plan", "--body-file", "p.md"];
    expect(() => parsePrCommentArgs(["--pr", "abc", ...base])).toThrow(
      '--pr "abc" is not a pull request number.',
    );
    expect(() =>
      parsePrCommentArgs(["--pr", "3", "--key", "Plan!", "--title", "t", "--body-file", "p"]),
    ).toThrow('--key "Plan!" must be lower-case letters, digits and hyphens.');
  });

  it("takes the repository from GITHUB_REPOSITORY unless --repo is given", () => {
    const github = new FakeGitHub("other/repo");
    github.addIssue("x", { pullRequest: true });
    expect(
      runPrComment(
        ["--pr", "1", "--key", "k", "--title", "T", "--body-file", "f", "--repo", "other/repo"],
        ENV,
        github.runner,
        () => "body",
      ),
    ).toEqual({ action: "created", id: 1000 });
    expect(() =>
      runPrComment(
        ["--pr", "1", "--key", "k", "--title", "T", "--body-file", "f", "--repo", "not a repo"],
        ENV,
        github.runner,
        () => "body",
      ),
    ).toThrow('Repository "not a repo" is not OWNER/REPO.');
  });
});
