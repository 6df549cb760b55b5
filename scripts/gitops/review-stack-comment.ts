import { type ReviewStack } from "../../modules/config/review-stack";
import { stripAnsi } from "./github";
import { REVIEW_STACK_LABEL } from "./review-stack-options";

/**
 * The one pull-request comment each review stack keeps up to date (deployed and where, destroyed,
 * or removed by the sweeper), and the smoke check's result it reports.
 */

/** Text for a cell of a markdown table. */
export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** What the comment says happened. */
export type CommentEvent = "up" | "destroy" | "swept";

export interface CommentInput {
  readonly review: ReviewStack;
  readonly event: CommentEvent;
  /** The job's result: success, failure, cancelled or skipped. */
  readonly result: string;
  readonly apiUrl?: string;
  readonly smokeResult?: string;
  readonly smokeMessage?: string;
  readonly commit?: string;
  readonly runUrl?: string;
  readonly maxAgeDays: number;
  /** Why the sweeper removed it. */
  readonly reason?: string;
}

/** The one pull-request comment of a review stack: what is deployed and where, or that it is gone. */
export function reviewStackComment(input: CommentInput): string {
  const { review } = input;
  const run = input.runUrl === undefined || input.runUrl === "" ? "" : ` ([run](${input.runUrl}))`;
  const at =
    input.commit === undefined || input.commit === "" ? "" : ` at \`${input.commit.slice(0, 12)}\``;
  const heading = `## Review stack \`${review.stack}\``;
  if (input.event === "swept") {
    return [
      heading,
      "",
      `**Removed by the sweeper**: ${input.reason ?? "its pull request no longer needs it"}${run}.`,
      "",
      `Push a commit while the \`${REVIEW_STACK_LABEL}\` label is on, or remove the label and add it again, to deploy it again.`,
      "",
    ].join("\n");
  }
  if (input.event === "destroy") {
    const outcome =
      input.result === "success"
        ? "**Destroyed**: every resource of the stack and its state are gone."
        : input.result === "skipped"
          ? "**Nothing to destroy**: the stack did not exist."
          : `**Destroy ${input.result === "cancelled" ? "cancelled" : "failed"}**: resources may be left. The daily sweeper tries again; or run the workflow again.`;
    return [
      heading,
      "",
      `${outcome}${run}`,
      "",
      `Add the \`${REVIEW_STACK_LABEL}\` label to an open pull request to deploy it again.`,
      "",
    ].join("\n");
  }
  const deployed = input.result === "success" || input.smokeResult === "failed";
  const status =
    input.result === "success"
      ? `**Deployed**${at}`
      : input.result === "cancelled"
        ? `**Update cancelled**${at}`
        : `**Update failed**${at}`;
  const smoke =
    input.smokeResult === "passed"
      ? `passed: ${input.smokeMessage ?? ""}`.trim()
      : input.smokeResult === "failed"
        ? `**failed**: ${input.smokeMessage ?? "see the run"}`
        : "not run";
  const api =
    input.apiUrl === undefined || input.apiUrl === ""
      ? "not deployed"
      : `${input.apiUrl} (IAM auth: requests are signed with SigV4, \`lambda:InvokeFunctionUrl\` on the function)`;
  return [
    heading,
    "",
    `${status}${run}. ${deployed ? "Dev's settings, its own names (`dev-<service>-us-east-1-" + review.suffix + "`), its own data." : "See the run for Pulumi's error; the next push tries again."}`,
    "",
    "| | |",
    "| --- | --- |",
    `| API | ${cell(api)} |`,
    `| Smoke check | ${cell(smoke)} |`,
    `| Removed | when the pull request closes or loses the \`${REVIEW_STACK_LABEL}\` label, or after ${input.maxAgeDays} day${input.maxAgeDays === 1 ? "" : "s"} without a push |`,
    "",
    `Every push updates the stack and this comment. Costs run while it exists: about a dev environment's (README, Deploying, Review stacks).`,
    "",
  ].join("\n");
}

/**
 * The smoke check's result in one line, from its log and the step's outcome: the line it printed
 * on success, or its error message.
 */
export function smokeResult(
  log: string,
  outcome: string,
): { readonly result: "passed" | "failed" | "not run"; readonly message: string } {
  if (outcome !== "success" && outcome !== "failure") {
    return { result: "not run", message: "" };
  }
  const lines = stripAnsi(log)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith(">"));
  const annotation = lines.find((line) => line.startsWith("::error"));
  const message =
    annotation !== undefined
      ? annotation.replace(/^::error[^:]*::/, "")
      : (lines.filter((line) => !line.startsWith("::")).pop() ?? "");
  return {
    result: outcome === "success" ? "passed" : "failed",
    message: message.length > 500 ? `${message.slice(0, 500)}…` : message,
  };
}
