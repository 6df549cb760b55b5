import { execFileSync } from "node:child_process";

/**
 * The few GitHub REST calls the workflows make, through the `gh` CLI that every GitHub-hosted
 * runner has (authenticated by `GH_TOKEN`). The runner is injected so tests can record the calls.
 */
export type GhRunner = (args: readonly string[], input?: string) => string;

export const ghCli: GhRunner = (args, input) =>
  execFileSync("gh", [...args], {
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });

/** GitHub rejects issue and comment bodies above 65,536 characters. */
export const MAX_BODY_CHARACTERS = 65_536;

const TRUNCATION_NOTE = "\n\n… (truncated: the full output is in the workflow run's log)\n";

/** Cuts text so the whole body stays under GitHub's limit, saying that it did. */
export function truncateBody(body: string, limit: number = MAX_BODY_CHARACTERS): string {
  if (body.length <= limit) {
    return body;
  }
  return `${body.slice(0, limit - TRUNCATION_NOTE.length)}${TRUNCATION_NOTE}`;
}

// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Terminal colour codes make a diff unreadable in Markdown. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, "");
}

/** A fence longer than any backtick run in the text, so the text cannot close it. */
export function codeFence(text: string, language = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${language}\n${text.endsWith("\n") ? text : `${text}\n`}${fence}`;
}

const REPOSITORY_PATTERN = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

export function resolveRepository(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  const repository = explicit ?? env.GITHUB_REPOSITORY;
  if (repository === undefined || repository === "") {
    throw new Error(
      "No repository: pass --repo OWNER/REPO, or run inside GitHub Actions where GITHUB_REPOSITORY is set.",
    );
  }
  if (!REPOSITORY_PATTERN.test(repository)) {
    throw new Error(`Repository "${repository}" is not OWNER/REPO.`);
  }
  return repository;
}

interface Comment {
  readonly id: number;
  readonly body: string;
}

interface Issue {
  readonly number: number;
  readonly title: string;
  readonly html_url: string;
  readonly pull_request?: unknown;
}

function jsonLines<T>(output: string): T[] {
  return output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

/** The hidden first line that marks a comment as the one this key owns. */
export function commentMarker(key: string): string {
  return `<!-- trading-analytics:${key} -->`;
}

export type UpsertResult = { readonly action: "created" | "updated"; readonly id: number };

/**
 * Keeps exactly one comment per key on a pull request: edits the one carrying the key's marker,
 * or creates it, so every push updates the same comment instead of adding another.
 */
export function upsertPullRequestComment(
  gh: GhRunner,
  repository: string,
  pullRequest: number,
  key: string,
  markdown: string,
): UpsertResult {
  const marker = commentMarker(key);
  const body = truncateBody(`${marker}\n${markdown}`);
  const comments = jsonLines<Comment>(
    gh([
      "api",
      "--paginate",
      `repos/${repository}/issues/${pullRequest}/comments?per_page=100`,
      "--jq",
      ".[] | {id, body} | @json",
    ]),
  );
  const existing = comments.find((comment) => comment.body.startsWith(marker));
  if (existing !== undefined) {
    gh(
      [
        "api",
        "--method",
        "PATCH",
        `repos/${repository}/issues/comments/${existing.id}`,
        "--input",
        "-",
      ],
      JSON.stringify({ body }),
    );
    return { action: "updated", id: existing.id };
  }
  const created = JSON.parse(
    gh(
      [
        "api",
        "--method",
        "POST",
        `repos/${repository}/issues/${pullRequest}/comments`,
        "--input",
        "-",
      ],
      JSON.stringify({ body }),
    ),
  ) as Comment;
  return { action: "created", id: created.id };
}

/** Open issues (not pull requests) with this exact title and label. */
export function findOpenIssues(
  gh: GhRunner,
  repository: string,
  title: string,
  label: string,
): Issue[] {
  const issues = jsonLines<Issue>(
    gh([
      "api",
      "--paginate",
      `repos/${repository}/issues?state=open&labels=${encodeURIComponent(label)}&per_page=100`,
      "--jq",
      ".[] | {number, title, html_url, pull_request} | @json",
    ]),
  );
  return issues.filter(
    (issue) =>
      issue.title === title && (issue.pull_request === undefined || issue.pull_request === null),
  );
}

export function createIssue(
  gh: GhRunner,
  repository: string,
  title: string,
  body: string,
  label: string,
): Issue {
  return JSON.parse(
    gh(
      ["api", "--method", "POST", `repos/${repository}/issues`, "--input", "-"],
      JSON.stringify({ title, body: truncateBody(body), labels: [label] }),
    ),
  ) as Issue;
}

export function updateIssueBody(
  gh: GhRunner,
  repository: string,
  issueNumber: number,
  body: string,
): void {
  gh(
    ["api", "--method", "PATCH", `repos/${repository}/issues/${issueNumber}`, "--input", "-"],
    JSON.stringify({ body: truncateBody(body) }),
  );
}

export function closeIssue(
  gh: GhRunner,
  repository: string,
  issueNumber: number,
  comment: string,
): void {
  gh(
    [
      "api",
      "--method",
      "POST",
      `repos/${repository}/issues/${issueNumber}/comments`,
      "--input",
      "-",
    ],
    JSON.stringify({ body: truncateBody(comment) }),
  );
  gh(
    ["api", "--method", "PATCH", `repos/${repository}/issues/${issueNumber}`, "--input", "-"],
    JSON.stringify({ state: "closed", state_reason: "completed" }),
  );
}

/**
 * A workflow run as the Actions REST API lists it (GET /repos/{owner}/{repo}/actions/workflows/
 * {workflow}/runs). For a push, `head_branch` is the branch or tag pushed; `status` is queued,
 * in_progress, waiting, requested, pending or completed, and `conclusion` is set once completed.
 */
export interface WorkflowRun {
  readonly id: number;
  readonly run_number: number;
  readonly display_title: string;
  readonly event: string;
  readonly head_branch: string | null;
  readonly head_sha: string;
  readonly status: string;
  readonly conclusion: string | null;
  readonly html_url: string;
  readonly created_at: string;
}

/** A job of a run's latest attempt, with its steps (GET /repos/{owner}/{repo}/actions/runs/{id}/jobs). */
export interface WorkflowJob {
  readonly name: string;
  readonly status: string;
  readonly conclusion: string | null;
  readonly html_url: string;
  readonly steps: readonly {
    readonly name: string;
    readonly status: string;
    readonly conclusion: string | null;
  }[];
}

/** The run statuses of a run that has not finished: it may still start or change something. */
export const ACTIVE_RUN_STATUSES = [
  "queued",
  "in_progress",
  "waiting",
  "requested",
  "pending",
] as const;

/**
 * The newest 100 runs of one workflow file matching the query (`head_sha`, `branch`, `event`,
 * `status`), newest first, as the API returns them.
 */
export function listWorkflowRuns(
  gh: GhRunner,
  repository: string,
  workflowFile: string,
  query: Readonly<Record<string, string>>,
): WorkflowRun[] {
  const search = new URLSearchParams({ ...query, per_page: "100" }).toString();
  return jsonLines<WorkflowRun>(
    gh([
      "api",
      `repos/${repository}/actions/workflows/${workflowFile}/runs?${search}`,
      "--jq",
      ".workflow_runs[] | {id, run_number, display_title, event, head_branch, head_sha, status, conclusion, html_url, created_at} | @json",
    ]),
  );
}

/** The jobs of a run's latest attempt, with their steps. */
export function listRunJobs(gh: GhRunner, repository: string, runId: number): WorkflowJob[] {
  return jsonLines<WorkflowJob>(
    gh([
      "api",
      "--paginate",
      `repos/${repository}/actions/runs/${runId}/jobs?per_page=100`,
      "--jq",
      ".jobs[] | {name, status, conclusion, html_url, steps: [(.steps // [])[] | {name, status, conclusion}]} | @json",
    ]),
  );
}

/**
 * A workflow command that shows `message` as an error annotation on the run. Workflow commands
 * end at a line break, so `%`, CR and LF are escaped as the runner expects (docs: "Workflow
 * commands for GitHub Actions", and toCommandValue/escapeData in @actions/core).
 */
export function errorAnnotation(title: string, message: string): string {
  const escape = (text: string) =>
    text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const escapedTitle = escape(title).replace(/:/g, "%3A").replace(/,/g, "%2C");
  return `::error title=${escapedTitle}::${escape(message)}\n`;
}
