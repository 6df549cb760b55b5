import { mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { parseStackFile } from "../environments/stack-files";
import { reviewStack } from "../modules/config/review-stack";
import { commentMarker, type GhRunner } from "../scripts/gitops/github";
import { reviewStackComment, smokeResult } from "../scripts/gitops/review-stack-comment";
import {
  REVIEW_STACK_LABEL,
  parseMaxAgeDays,
  parseSwept,
} from "../scripts/gitops/review-stack-options";
import {
  parseBackendUrl,
  reviewStacksInState,
  stackFilesPrefix,
  type StateObject,
} from "../scripts/gitops/review-stack-state";
import {
  destroyArgs,
  sweep,
  sweepDecisions,
  sweepSummary,
  type PullRequestState,
  type PulumiRunner,
} from "../scripts/gitops/review-stack-sweep";
import { runReviewStacks, type ReviewStacksIo } from "../scripts/gitops/review-stacks";

const ROOT = join(__dirname, "..");
const FIXTURES = join(__dirname, "fixtures", "review-stacks");
const REPOSITORY = "acme/trading-analytics";
const NOW = new Date("2026-12-06T05:00:00.000Z");

interface ListedObject {
  readonly Key: string;
  readonly LastModified: string;
}

function listing(): StateObject[] {
  const page = JSON.parse(readFileSync(join(FIXTURES, "state-listing.json"), "utf8")) as {
    Contents: ListedObject[];
  };
  return page.Contents.map((item) => ({
    key: item.Key,
    lastModified: new Date(item.LastModified),
  }));
}

interface PullRequestResponse {
  readonly number: number;
  readonly state: "open" | "closed";
  readonly merged_at: string | null;
  readonly labels: readonly { readonly name: string }[];
}

const PULL_REQUESTS = JSON.parse(
  readFileSync(join(FIXTURES, "pull-requests.json"), "utf8"),
) as Record<string, PullRequestResponse>;

function httpError(status: number): Error {
  return Object.assign(new Error(`Command failed: gh api\ngh: Not Found (HTTP ${status})`), {
    stderr: `gh: Not Found (HTTP ${status})\n`,
  });
}

/** `gh api` for pull requests (with the sweeper's jq projection) and pull-request comments. */
class FakeGitHub {
  readonly calls: string[] = [];
  readonly comments = new Map<number, { id: number; body: string }[]>();
  private nextId = 5000;

  readonly runner: GhRunner = (args, input) => {
    const joined = args.join(" ");
    this.calls.push(joined);
    const repo = `repos/${REPOSITORY}`;
    let match = new RegExp(
      `^api ${repo}/pulls/(\\d+) --jq \\{number, state, merged: \\(\\.merged_at != null\\), labels: \\[\\.labels\\[\\]\\.name\\]\\}$`,
    ).exec(joined);
    if (match !== null) {
      const pr = PULL_REQUESTS[match[1]];
      if (pr === undefined) {
        throw httpError(404);
      }
      return JSON.stringify({
        number: pr.number,
        state: pr.state,
        merged: pr.merged_at !== null,
        labels: pr.labels.map((label) => label.name),
      });
    }
    match = new RegExp(
      `^api --paginate ${repo}/issues/(\\d+)/comments\\?per_page=100 --jq \\.\\[\\] \\| \\{id, body\\} \\| @json$`,
    ).exec(joined);
    if (match !== null) {
      return (this.comments.get(Number(match[1])) ?? [])
        .map((comment) => `${JSON.stringify(comment)}\n`)
        .join("");
    }
    match = new RegExp(`^api --method POST ${repo}/issues/(\\d+)/comments --input -$`).exec(joined);
    if (match !== null) {
      const comment = {
        id: this.nextId++,
        body: (JSON.parse(input ?? "{}") as { body: string }).body,
      };
      const pr = Number(match[1]);
      this.comments.set(pr, [...(this.comments.get(pr) ?? []), comment]);
      return JSON.stringify(comment);
    }
    match = new RegExp(`^api --method PATCH ${repo}/issues/comments/(\\d+) --input -$`).exec(
      joined,
    );
    if (match !== null) {
      const comment = [...this.comments.values()].flat().find((c) => c.id === Number(match?.[1]));
      if (comment === undefined) {
        throw httpError(404);
      }
      comment.body = (JSON.parse(input ?? "{}") as { body: string }).body;
      return JSON.stringify(comment);
    }
    throw new Error(`Unexpected gh ${joined}`);
  };
}

/** A repository root with dev's committed stack file, where stack files can be written. */
function scratchRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "review-stacks-"));
  mkdirSync(join(root, "environments", "dev"), { recursive: true });
  copyFileSync(
    join(ROOT, "environments", "dev", "Pulumi.dev.yaml"),
    join(root, "environments", "dev", "Pulumi.dev.yaml"),
  );
  return root;
}

function pullRequests(): Map<number, PullRequestState | undefined> {
  const map = new Map<number, PullRequestState | undefined>();
  for (const number of [42, 100, 13, 9, 7, 55]) {
    const pr = PULL_REQUESTS[String(number)];
    map.set(
      number,
      pr === undefined
        ? undefined
        : {
            number,
            state: pr.state,
            merged: pr.merged_at !== null,
            labels: pr.labels.map((label) => label.name),
          },
    );
  }
  return map;
}

describe("the review stacks in the state bucket", () => {
  test("are the checkpoints under dev's project named dev-pr<N>, with their last write", () => {
    expect(stackFilesPrefix()).toBe(".pulumi/stacks/trading-analytics-dev/dev-pr");
    const { stacks, unrecognised } = reviewStacksInState(listing());
    expect(stacks.map((found) => [found.review.stack, found.lastUpdated.toISOString()])).toEqual([
      ["dev-pr7", "2026-12-01T12:00:00.000Z"],
      ["dev-pr9", "2026-12-04T16:45:00.000Z"],
      ["dev-pr13", "2026-12-05T18:02:11.000Z"],
      ["dev-pr42", "2026-12-06T04:15:42.000Z"],
      ["dev-pr55", "2026-12-05T11:00:00.000Z"],
      ["dev-pr100", "2026-12-02T09:30:00.000Z"],
    ]);
    expect(unrecognised).toEqual([".pulumi/stacks/trading-analytics-dev/dev-prototype.json"]);
  });

  test("ignore other projects' and other folders' objects", () => {
    expect(
      reviewStacksInState([
        { key: ".pulumi/stacks/trading-analytics-staging/dev-pr1.json", lastModified: NOW },
        { key: ".pulumi/history/trading-analytics-dev/dev-pr1/x.json", lastModified: NOW },
        { key: ".pulumi/stacks/trading-analytics-dev/dev.json", lastModified: NOW },
      ]),
    ).toEqual({ stacks: [], unrecognised: [] });
  });
});

describe("the sweeper's decisions", () => {
  const decide = (maxAgeDays: number) =>
    sweepDecisions(reviewStacksInState(listing()).stacks, pullRequests(), NOW, maxAgeDays).map(
      (d) => [d.stack, d.action, d.reason],
    );

  test("remove closed, merged, unlabelled, missing and idle pull requests' stacks", () => {
    expect(decide(3)).toEqual([
      ["dev-pr7", "remove", "pull request #7 is merged"],
      ["dev-pr9", "remove", "pull request #9 is closed"],
      ["dev-pr13", "remove", "pull request #13 no longer has the review-stack label"],
      ["dev-pr42", "keep", "open and labelled, updated 0 hours ago"],
      ["dev-pr55", "remove", "pull request #55 does not exist"],
      ["dev-pr100", "remove", "no update for 3 days, 3 days at most"],
    ]);
  });

  test("keep an idle stack for as many days as the variable says", () => {
    expect(decide(7)[5]).toEqual(["dev-pr100", "keep", "open and labelled, updated 3 days ago"]);
    expect(decide(1)[3]).toEqual(["dev-pr42", "keep", "open and labelled, updated 0 hours ago"]);
  });

  test("count age from the last update, to the millisecond at the limit", () => {
    const review = reviewStack(5);
    const open: PullRequestState = {
      number: 5,
      state: "open",
      merged: false,
      labels: [REVIEW_STACK_LABEL],
    };
    const at = (ms: number) =>
      sweepDecisions(
        [{ review, lastUpdated: new Date(NOW.getTime() - ms) }],
        new Map([[5, open]]),
        NOW,
        1,
      )[0];
    expect(at(86_399_999)).toMatchObject({ action: "keep", idleDays: 0 });
    expect(at(86_400_000)).toMatchObject({
      action: "remove",
      idleDays: 1,
      reason: "no update for 24 hours, 1 day at most",
    });
  });

  test.each<[string | undefined, number | string]>([
    [undefined, 3],
    ["", 3],
    ["1", 1],
    [" 14 ", 14],
    ["365", 365],
    ["0", '--max-age-days "0" is not a number of days'],
    ["366", '--max-age-days "366"'],
    ["2.5", '--max-age-days "2.5"'],
    [
      "three",
      "set the repository variable REVIEW_STACK_MAX_AGE_DAYS to a whole number from 1 to 365, or unset it for 3.",
    ],
  ])("max age %j -> %j", (value, expected) => {
    if (typeof expected === "number") {
      expect(parseMaxAgeDays(value)).toBe(expected);
    } else {
      expect(() => parseMaxAgeDays(value)).toThrow(expected);
    }
  });
});

describe("sweeping", () => {
  let root: string;

  beforeEach(() => {
    root = scratchRoot();
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const lockedPr9: PulumiRunner = (args) =>
    args.includes("dev-pr9")
      ? {
          status: 255,
          output:
            "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n",
        }
      : {
          status: 0,
          output: "Destroying (dev-pr7):\nThe resources in the stack have been deleted.\n",
        };

  test("destroys and removes what it decided to, writing each stack file first, and reports everything", async () => {
    const github = new FakeGitHub();
    const calls: string[][] = [];
    const written: string[] = [];
    const result = await sweep(
      { maxAgeDays: 3, dryRun: false },
      {
        root,
        now: NOW,
        gh: github.runner,
        repository: REPOSITORY,
        listObjects: (prefix) => {
          expect(prefix).toBe(".pulumi/stacks/trading-analytics-dev/dev-pr");
          return Promise.resolve(listing());
        },
        pulumi: (args) => {
          calls.push([...args]);
          return lockedPr9(args);
        },
        write: (text) => written.push(text),
      },
    );
    expect(calls).toEqual([7, 9, 13, 55, 100].map((pr) => destroyArgs(reviewStack(pr))));
    expect(destroyArgs(reviewStack(7))).toEqual([
      "destroy",
      "--yes",
      "--remove",
      "--skip-preview",
      "--non-interactive",
      "--stack",
      "dev-pr7",
      "--cwd",
      "environments/dev",
      "--message",
      "Review stack sweeper: dev-pr7",
    ]);
    const stackFile = parseStackFile(
      readFileSync(join(root, "environments", "dev", "Pulumi.dev-pr100.yaml"), "utf8"),
    );
    expect(stackFile.config?.["aws:defaultTags"]).toMatchObject({
      tags: { ReviewStack: "dev-pr100" },
    });
    expect(result.swept).toEqual([
      { pr: 7, reason: "pull request #7 is merged" },
      { pr: 13, reason: "pull request #13 no longer has the review-stack label" },
      { pr: 55, reason: "pull request #55 does not exist" },
      { pr: 100, reason: "no update for 3 days, 3 days at most" },
    ]);
    expect(result.summary).toBe(
      [
        "## Review stacks swept",
        "",
        "4 removed, 1 failed to remove, 0 would be removed (dry run), 1 kept. A stack is removed when its pull request is closed or unlabelled, or after 3 days without an update (REVIEW_STACK_MAX_AGE_DAYS).",
        "",
        "| stack | pull request | last updated | decision | why | result |",
        "| --- | --- | --- | --- | --- | --- |",
        "| `dev-pr7` | #7 | 2026-12-01T12:00:00.000Z | remove | pull request #7 is merged | removed |",
        "| `dev-pr9` | #9 | 2026-12-04T16:45:00.000Z | remove | pull request #9 is closed | failed: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`. |",
        "| `dev-pr13` | #13 | 2026-12-05T18:02:11.000Z | remove | pull request #13 no longer has the review-stack label | removed |",
        "| `dev-pr42` | #42 | 2026-12-06T04:15:42.000Z | keep | open and labelled, updated 0 hours ago | - |",
        "| `dev-pr55` | #55 | 2026-12-05T11:00:00.000Z | remove | pull request #55 does not exist | removed |",
        "| `dev-pr100` | #100 | 2026-12-02T09:30:00.000Z | remove | no update for 3 days, 3 days at most | removed |",
        "",
        "A failed removal is tried again on the next run. A held lock means a review-stack run was working on the stack: let it finish. Other errors need a look in the log above.",
        "",
        "Left alone, not review stack names: `.pulumi/stacks/trading-analytics-dev/dev-prototype.json`.",
        "",
      ].join("\n"),
    );
    expect(written.join("")).toContain("Removing dev-pr9: pull request #9 is closed.\n");
    expect(github.calls.filter((call) => call.includes("/pulls/"))).toHaveLength(6);
  });

  test("a dry run destroys nothing and says what it would remove", async () => {
    const result = await sweep(
      { maxAgeDays: 3, dryRun: true },
      {
        root,
        now: NOW,
        gh: new FakeGitHub().runner,
        repository: REPOSITORY,
        listObjects: () => Promise.resolve(listing()),
        pulumi: () => {
          throw new Error("must not run Pulumi");
        },
        write: () => undefined,
      },
    );
    expect(result.summary).toContain(
      "0 removed, 0 failed to remove, 5 would be removed (dry run), 1 kept.",
    );
    expect(result.summary).toContain("| dry run: not removed |");
    expect(result.swept).toEqual([]);
  });

  test("says so when there is no review stack", () => {
    expect(sweepSummary([], new Map(), { maxAgeDays: 3, unrecognised: [] })).toBe(
      "## Review stacks swept\n\nNo review stack exists.\n",
    );
  });
});

describe("the pull-request comment", () => {
  const review = reviewStack(42);
  const base = {
    review,
    maxAgeDays: 3,
    commit: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
    runUrl: "https://github.com/acme/trading-analytics/actions/runs/42",
  };

  test("after a deploy: the API URL and the smoke check's result", () => {
    expect(
      reviewStackComment({
        ...base,
        event: "up",
        result: "success",
        apiUrl: "https://0f1e2d3c4b5a69788796a5b4c3d2e1f0.lambda-url.us-east-1.on.aws/",
        smokeResult: "passed",
        smokeMessage:
          "Smoke check passed in dev: tick smoke-1765000000000-12 for ZZSMOKE showed up through the analytics API after 812 ms (4 queries).",
      }),
    ).toBe(
      [
        "## Review stack `dev-pr42`",
        "",
        "**Deployed** at `6dcb09b5b578` ([run](https://github.com/acme/trading-analytics/actions/runs/42)). Dev's settings, its own names (`dev-<service>-us-east-1-pr42`), its own data.",
        "",
        "| | |",
        "| --- | --- |",
        "| API | https://0f1e2d3c4b5a69788796a5b4c3d2e1f0.lambda-url.us-east-1.on.aws/ (IAM auth: requests are signed with SigV4, `lambda:InvokeFunctionUrl` on the function) |",
        "| Smoke check | passed: Smoke check passed in dev: tick smoke-1765000000000-12 for ZZSMOKE showed up through the analytics API after 812 ms (4 queries). |",
        "| Removed | when the pull request closes or loses the `review-stack` label, or after 3 days without a push |",
        "",
        "Every push updates the stack and this comment. Costs run while it exists: about a dev environment's (README, Deploying, Review stacks).",
        "",
      ].join("\n"),
    );
  });

  test("a failed smoke check, a failed update, a destroy and a sweep", () => {
    const smokeFailed = reviewStackComment({
      ...base,
      event: "up",
      result: "failure",
      apiUrl: "https://x.lambda-url.us-east-1.on.aws/",
      smokeResult: "failed",
      smokeMessage: "The smoke tick did not show up | within 10000 ms",
    });
    expect(smokeFailed).toContain("**Update failed** at `6dcb09b5b578`");
    expect(smokeFailed).toContain(
      "| Smoke check | **failed**: The smoke tick did not show up \\| within 10000 ms |",
    );
    const upFailed = reviewStackComment({ ...base, event: "up", result: "failure" });
    expect(upFailed).toContain("See the run for Pulumi's error; the next push tries again.");
    expect(upFailed).toContain("| API | not deployed |");
    expect(upFailed).toContain("| Smoke check | not run |");
    expect(reviewStackComment({ ...base, event: "destroy", result: "success" })).toContain(
      "**Destroyed**: every resource of the stack and its state are gone. ([run](https://github.com/acme/trading-analytics/actions/runs/42))",
    );
    expect(reviewStackComment({ ...base, event: "destroy", result: "skipped" })).toContain(
      "**Nothing to destroy**: the stack did not exist.",
    );
    expect(reviewStackComment({ ...base, event: "destroy", result: "failure" })).toContain(
      "**Destroy failed**: resources may be left. The daily sweeper tries again; or run the workflow again.",
    );
    expect(
      reviewStackComment({
        ...base,
        event: "swept",
        result: "success",
        reason: "pull request #42 is merged",
      }),
    ).toContain("**Removed by the sweeper**: pull request #42 is merged ([run]");
  });

  test.each<[string, string, string, string]>([
    [
      "> trading-analytics-platform@0.1.0 smoke\n> tsx scripts/smoke/smoke.ts --env dev\n\nSmoke check passed in dev: tick smoke-1-2 for ZZSMOKE showed up after 90 ms (1 query).\n",
      "success",
      "passed",
      "Smoke check passed in dev: tick smoke-1-2 for ZZSMOKE showed up after 90 ms (1 query).",
    ],
    [
      "The smoke tick smoke-1-2 for ZZSMOKE did not show up.\n::error title=Smoke check failed::The smoke tick smoke-1-2 for ZZSMOKE did not show up.\n",
      "failure",
      "failed",
      "The smoke tick smoke-1-2 for ZZSMOKE did not show up.",
    ],
    ["", "skipped", "not run", ""],
    ["", "cancelled", "not run", ""],
  ])("reads the smoke log %#", (log, outcome, result, message) => {
    expect(smokeResult(log, outcome)).toEqual({ result, message });
  });
});

describe("scripts/gitops/review-stacks.ts", () => {
  let root: string;
  let output: string;
  let summary: string;

  beforeEach(() => {
    root = scratchRoot();
    output = join(root, "github-output");
    summary = join(root, "step-summary");
    writeFileSync(output, "");
    writeFileSync(summary, "");
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function io(
    github: FakeGitHub,
    extra: Partial<ReviewStacksIo> = {},
  ): ReviewStacksIo & {
    written: string[];
  } {
    const written: string[] = [];
    return {
      root,
      env: {
        GITHUB_REPOSITORY: REPOSITORY,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        PULUMI_BACKEND_URL: "s3://trading-analytics-state-dev-123456789012?region=us-east-1",
      },
      gh: github.runner,
      now: () => NOW,
      listObjects: (url) => {
        expect(parseBackendUrl(url)).toEqual({
          bucket: "trading-analytics-state-dev-123456789012",
          region: "us-east-1",
        });
        return () => Promise.resolve(listing());
      },
      pulumi: () => ({ status: 0, output: "" }),
      write: (text) => written.push(text),
      written,
      ...extra,
    };
  }

  test("stack-file writes the review stack's file beside dev's", async () => {
    const run = io(new FakeGitHub());
    expect(await runReviewStacks(["stack-file", "--stack", "dev-pr42"], run)).toBe(0);
    expect(run.written).toEqual(["Wrote environments/dev/Pulumi.dev-pr42.yaml.\n"]);
    expect(
      parseStackFile(readFileSync(join(root, "environments/dev/Pulumi.dev-pr42.yaml"), "utf8"))
        .config?.["trading-analytics-dev:environmentSuffix"],
    ).toBeUndefined();
  });

  test("exists says whether the stack has a checkpoint", async () => {
    await runReviewStacks(["exists", "--stack", "dev-pr42"], io(new FakeGitHub()));
    await runReviewStacks(["exists", "--stack", "dev-pr43"], io(new FakeGitHub()));
    expect(readFileSync(output, "utf8")).toBe("exists=true\nexists=false\n");
  });

  test("smoke-result writes the result and its line", async () => {
    const log = join(root, "smoke.log");
    writeFileSync(log, "Smoke check passed in dev: tick t showed up after 5 ms (1 query).\n");
    await runReviewStacks(
      ["smoke-result", "--log", log, "--outcome", "success"],
      io(new FakeGitHub()),
    );
    await runReviewStacks(
      ["smoke-result", "--log", join(root, "missing.log"), "--outcome", "skipped"],
      io(new FakeGitHub()),
    );
    expect(readFileSync(output, "utf8")).toBe(
      "result=passed\nmessage=Smoke check passed in dev: tick t showed up after 5 ms (1 query).\nresult=not run\nmessage=\n",
    );
  });

  test("comment keeps one comment per pull request, edited on every run", async () => {
    const github = new FakeGitHub();
    const args = [
      "comment",
      "--pr",
      "42",
      "--event",
      "up",
      "--result",
      "success",
      "--max-age-days",
      "5",
    ];
    await runReviewStacks(
      [...args, "--api-url", "https://a.lambda-url.us-east-1.on.aws/"],
      io(github),
    );
    await runReviewStacks(
      ["comment", "--pr", "42", "--event", "destroy", "--result", "success"],
      io(github),
    );
    const comments = github.comments.get(42) ?? [];
    expect(comments).toHaveLength(1);
    expect(
      comments[0].body.startsWith(
        `${commentMarker("review-stack")}\n## Review stack \`dev-pr42\`\n\n**Destroyed**`,
      ),
    ).toBe(true);
  });

  test("sweep writes the summary and what it removed, and fails when a removal failed", async () => {
    const github = new FakeGitHub();
    const run = io(github, {
      pulumi: (args) =>
        args.includes("dev-pr9")
          ? { status: 255, output: "error: locked\n" }
          : { status: 0, output: "" },
    });
    expect(await runReviewStacks(["sweep", "--max-age-days", "3"], run)).toBe(1);
    expect(readFileSync(summary, "utf8")).toContain("4 removed, 1 failed to remove");
    const swept = /^swept=(.*)$/m.exec(readFileSync(output, "utf8"))?.[1];
    expect(parseSwept(swept).map((item) => item.pr)).toEqual([7, 13, 55, 100]);

    expect(await runReviewStacks(["report-swept", "--swept", swept ?? ""], io(github))).toBe(0);
    expect(github.comments.get(100)?.[0].body).toContain(
      "**Removed by the sweeper**: no update for 3 days, 3 days at most.",
    );
    expect(github.comments.get(9)).toBeUndefined();
  });

  test("sweep passes when everything went, and a dry run changes nothing", async () => {
    expect(await runReviewStacks(["sweep"], io(new FakeGitHub()))).toBe(0);
    const dry = io(new FakeGitHub(), {
      pulumi: () => {
        throw new Error("must not run Pulumi");
      },
    });
    expect(await runReviewStacks(["sweep", "--dry-run"], dry)).toBe(0);
  });

  test.each<[string[], string]>([
    [["stack-file", "--stack", "dev"], '--stack "dev" is not a review stack: use dev-pr<N>'],
    [["stack-file", "--stack", "staging-pr1"], "only dev has review stacks"],
    [["comment", "--pr", "x", "--event", "up"], '--pr "x" is not a pull request number.'],
    [["comment", "--pr", "0", "--event", "up"], "Pull request 0 cannot have a review stack"],
    [
      ["comment", "--pr", "4", "--event", "deploy"],
      '--event "deploy" is not one of up, destroy, swept.',
    ],
    [["sweep", "--max-age-days", "0"], '--max-age-days "0" is not a number of days'],
    [["report-swept", "--swept", "{"], "--swept is not JSON"],
    [["report-swept", "--swept", '[{"pr":"x"}]'], "--swept must be a list of { pr, reason }"],
    [["frobnicate"], 'Unknown command "frobnicate".'],
  ])("refuses %j", async (argv, message) => {
    await expect(runReviewStacks(argv, io(new FakeGitHub()))).rejects.toThrow(message);
  });

  test("needs dev's backend URL to list stacks", () => {
    expect(() => parseBackendUrl(undefined)).toThrow(
      "PULUMI_BACKEND_URL is not set: it must be dev's state backend, s3://trading-analytics-state-dev-<account>?region=us-east-1 (the review environment's variable).",
    );
    expect(() => parseBackendUrl("file:///tmp/x")).toThrow('PULUMI_BACKEND_URL is "file:///tmp/x"');
    expect(parseBackendUrl("s3://bucket-1")).toEqual({ bucket: "bucket-1", region: "us-east-1" });
  });
});
