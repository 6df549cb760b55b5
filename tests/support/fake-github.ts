import type { GhRunner } from "../../scripts/gitops/github";

interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
  pullRequest: boolean;
  comments: { id: number; body: string }[];
}

/**
 * An in-memory GitHub behind the exact `gh api` calls the scripts make. Unknown calls throw, so a
 * changed call shape fails the tests instead of passing silently.
 */
export class FakeGitHub {
  readonly calls: string[] = [];
  readonly issues: FakeIssue[] = [];
  private nextNumber = 1;
  private nextCommentId = 1000;

  constructor(readonly repository: string) {}

  addIssue(
    title: string,
    options: { labels?: string[]; pullRequest?: boolean; state?: "open" | "closed" } = {},
  ): FakeIssue {
    const issue: FakeIssue = {
      number: this.nextNumber++,
      title,
      body: "",
      state: options.state ?? "open",
      labels: options.labels ?? [],
      pullRequest: options.pullRequest ?? false,
      comments: [],
    };
    this.issues.push(issue);
    return issue;
  }

  issue(number: number): FakeIssue {
    const found = this.issues.find((issue) => issue.number === number);
    if (found === undefined) {
      throw new Error(`No issue #${number}`);
    }
    return found;
  }

  private url(issue: FakeIssue): string {
    return `https://github.com/${this.repository}/issues/${issue.number}`;
  }

  readonly runner: GhRunner = (args, input) => {
    this.calls.push(args.join(" "));
    const repo = `repos/${this.repository}`;
    const [command, ...rest] = args;
    if (command !== "api") {
      throw new Error(`Unexpected gh command ${args.join(" ")}`);
    }
    const body = input === undefined ? {} : (JSON.parse(input) as Record<string, unknown>);
    const joined = rest.join(" ");

    let match = new RegExp(
      `^--paginate ${repo}/issues/(\\d+)/comments\\?per_page=100 --jq \\.\\[\\] \\| \\{id, body\\} \\| @json$`,
    ).exec(joined);
    if (match !== null) {
      return this.issue(Number(match[1]))
        .comments.map((comment) => `${JSON.stringify({ id: comment.id, body: comment.body })}\n`)
        .join("");
    }
    match = new RegExp(`^--method PATCH ${repo}/issues/comments/(\\d+) --input -$`).exec(joined);
    if (match !== null) {
      const id = Number(match[1]);
      const comment = this.issues.flatMap((issue) => issue.comments).find((c) => c.id === id);
      if (comment === undefined) {
        throw new Error(`No comment ${id}`);
      }
      comment.body = String(body.body);
      return JSON.stringify(comment);
    }
    match = new RegExp(`^--method POST ${repo}/issues/(\\d+)/comments --input -$`).exec(joined);
    if (match !== null) {
      const comment = { id: this.nextCommentId++, body: String(body.body) };
      this.issue(Number(match[1])).comments.push(comment);
      return JSON.stringify(comment);
    }
    match = new RegExp(
      `^--paginate ${repo}/issues\\?state=open&labels=([a-z-]+)&per_page=100 --jq \\.\\[\\] \\| \\{number, title, html_url, pull_request\\} \\| @json$`,
    ).exec(joined);
    if (match !== null) {
      const label = match[1];
      return this.issues
        .filter((issue) => issue.state === "open" && issue.labels.includes(label))
        .map(
          (issue) =>
            `${JSON.stringify({
              number: issue.number,
              title: issue.title,
              html_url: this.url(issue),
              pull_request: issue.pullRequest ? { url: "x" } : null,
            })}\n`,
        )
        .join("");
    }
    if (joined === `--method POST ${repo}/issues --input -`) {
      const issue = this.addIssue(String(body.title), { labels: body.labels as string[] });
      issue.body = String(body.body);
      return JSON.stringify({
        number: issue.number,
        title: issue.title,
        html_url: this.url(issue),
      });
    }
    match = new RegExp(`^--method PATCH ${repo}/issues/(\\d+) --input -$`).exec(joined);
    if (match !== null) {
      const issue = this.issue(Number(match[1]));
      if (typeof body.body === "string") {
        issue.body = body.body;
      }
      if (body.state === "closed") {
        issue.state = "closed";
      }
      return JSON.stringify({ number: issue.number });
    }
    throw new Error(`Unexpected gh call: gh ${args.join(" ")}`);
  };
}
