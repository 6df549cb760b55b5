import type { GhRunner, WorkflowJob, WorkflowRun } from "../../scripts/gitops/github";

export interface FakeRun extends WorkflowRun {
  readonly workflow: string;
  readonly jobs: readonly WorkflowJob[];
}

const RUN_FIELDS =
  ".workflow_runs[] | {id, run_number, display_title, event, head_branch, head_sha, status, conclusion, html_url, created_at} | @json";
const JOB_FIELDS =
  ".jobs[] | {name, status, conclusion, html_url, steps: [(.steps // [])[] | {name, status, conclusion}]} | @json";

/** The query parameters of "List workflow runs for a workflow" that the scripts use. */
const RUN_QUERY_PARAMETERS = new Set(["head_sha", "branch", "event", "status", "per_page"]);

/**
 * An in-memory GitHub Actions API behind the exact `gh api` calls the scripts make: workflow runs
 * filtered as the REST API documents (`status` matches a run's status or its conclusion), newest
 * first, and the jobs of a run. Unknown calls and parameters throw, so a changed call shape fails
 * the tests instead of passing silently.
 */
export class FakeActionsApi {
  readonly calls: string[] = [];
  readonly runs: FakeRun[] = [];
  private nextId = 9000;

  constructor(readonly repository: string) {}

  addRun(
    workflow: string,
    run: Partial<WorkflowRun> & { readonly jobs?: readonly WorkflowJob[] },
  ): FakeRun {
    const id = run.id ?? this.nextId++;
    const created: FakeRun = {
      workflow,
      id,
      run_number: run.run_number ?? id - 8999,
      display_title: run.display_title ?? "Change",
      event: run.event ?? "push",
      head_branch: run.head_branch ?? "main",
      head_sha: run.head_sha ?? "0".repeat(40),
      status: run.status ?? "completed",
      conclusion: run.conclusion === undefined ? "success" : run.conclusion,
      html_url: `https://github.com/${this.repository}/actions/runs/${id}`,
      created_at: run.created_at ?? new Date(Date.UTC(2026, 2, 1) + id * 60_000).toISOString(),
      jobs: run.jobs ?? [],
    };
    this.runs.push(created);
    return created;
  }

  readonly runner: GhRunner = (args) => {
    this.calls.push(args.join(" "));
    const repo = `repos/${this.repository}`;
    if (args[0] !== "api") {
      throw new Error(`Unexpected gh command ${args.join(" ")}`);
    }
    const runsMatch = new RegExp(`^${repo}/actions/workflows/([a-z-]+\\.yml)/runs\\?(.*)$`).exec(
      args[1] ?? "",
    );
    if (runsMatch !== null && args.length === 4 && args[2] === "--jq" && args[3] === RUN_FIELDS) {
      const query = new URLSearchParams(runsMatch[2]);
      for (const key of query.keys()) {
        if (!RUN_QUERY_PARAMETERS.has(key)) {
          throw new Error(`Unexpected run query parameter ${key}`);
        }
      }
      const wanted = (key: string, value: string | null) =>
        !query.has(key) || query.get(key) === value;
      return this.runs
        .filter((run) => run.workflow === runsMatch[1])
        .filter(
          (run) =>
            wanted("head_sha", run.head_sha) &&
            wanted("branch", run.head_branch) &&
            wanted("event", run.event) &&
            (!query.has("status") ||
              query.get("status") === run.status ||
              query.get("status") === run.conclusion),
        )
        .sort((a, b) => b.created_at.localeCompare(a.created_at))
        .slice(0, Number(query.get("per_page") ?? "30"))
        .map(
          (run) =>
            `${JSON.stringify({
              id: run.id,
              run_number: run.run_number,
              display_title: run.display_title,
              event: run.event,
              head_branch: run.head_branch,
              head_sha: run.head_sha,
              status: run.status,
              conclusion: run.conclusion,
              html_url: run.html_url,
              created_at: run.created_at,
            })}\n`,
        )
        .join("");
    }
    const jobsMatch = new RegExp(`^${repo}/actions/runs/(\\d+)/jobs\\?per_page=100$`).exec(
      args[2] ?? "",
    );
    if (
      jobsMatch !== null &&
      args.length === 5 &&
      args[1] === "--paginate" &&
      args[3] === "--jq" &&
      args[4] === JOB_FIELDS
    ) {
      const run = this.runs.find((candidate) => candidate.id === Number(jobsMatch[1]));
      if (run === undefined) {
        throw new Error(`gh: Not Found (HTTP 404): no run ${jobsMatch[1]}`);
      }
      return run.jobs.map((job) => `${JSON.stringify(job)}\n`).join("");
    }
    throw new Error(`Unexpected gh call: gh ${args.join(" ")}`);
  };
}

/** A job whose steps all ended with one conclusion. */
export function job(
  name: string,
  steps: readonly string[],
  conclusion: "success" | "failure" | "skipped" | "cancelled" = "success",
): WorkflowJob {
  return {
    name,
    status: "completed",
    conclusion,
    html_url: "https://github.com/acme/trading-analytics/actions/runs/1/job/2",
    steps: steps.map((step) => ({ name: step, status: "completed", conclusion })),
  };
}
