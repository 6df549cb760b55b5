import {
  DEFAULT_REVIEW_STACK_MAX_AGE_DAYS,
  REVIEW_STACK_MAX_AGE_VARIABLE,
} from "../../environments/backends";
import {
  parseReviewStackName,
  reviewStack,
  type ReviewStack,
} from "../../modules/config/review-stack";

/**
 * The review stacks' fixed names (the label that asks for one, the key of its pull-request
 * comment), the error a wrong argument raises, and the arguments of `review-stacks.ts`' commands.
 */

/** The pull-request label that asks for a review stack. */
export const REVIEW_STACK_LABEL = "review-stack";

/** The key of the one pull-request comment each review stack keeps up to date. */
export const REVIEW_STACK_COMMENT_KEY = "review-stack";

export class ReviewStackError extends Error {}

/** `REVIEW_STACK_MAX_AGE_DAYS`: unset or empty means the default; else 1-365 whole days. */
export function parseMaxAgeDays(value: string | undefined): number {
  if (value === undefined || value.trim() === "") {
    return DEFAULT_REVIEW_STACK_MAX_AGE_DAYS;
  }
  const days = Number(value);
  if (!/^\d+$/.test(value.trim()) || days < 1 || days > 365) {
    throw new ReviewStackError(
      `--max-age-days "${value}" is not a number of days: set the repository variable ${REVIEW_STACK_MAX_AGE_VARIABLE} to a whole number from 1 to 365, or unset it for ${DEFAULT_REVIEW_STACK_MAX_AGE_DAYS}.`,
    );
  }
  return days;
}

export function stackOption(value: string | undefined): ReviewStack {
  const review = value === undefined ? undefined : parseReviewStackName(value);
  if (review === undefined) {
    throw new ReviewStackError(
      `--stack "${value ?? ""}" is not a review stack: use dev-pr<N>, N the pull request number.`,
    );
  }
  return review;
}

export function pullRequestOption(value: string | undefined): ReviewStack {
  if (value === undefined || !/^\d+$/.test(value)) {
    throw new ReviewStackError(`--pr "${value ?? ""}" is not a pull request number.`);
  }
  return reviewStack(Number(value));
}

/** The sweeper's `swept` output: `[{ "pr": 42, "reason": "..." }]`. */
export function parseSwept(text: string | undefined): { pr: number; reason: string }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === undefined || text === "" ? "[]" : text);
  } catch {
    throw new ReviewStackError(`--swept is not JSON: pass the sweep step's swept output.`);
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every(
      (item: unknown) =>
        typeof item === "object" &&
        item !== null &&
        Number.isInteger((item as { pr?: unknown }).pr) &&
        typeof (item as { reason?: unknown }).reason === "string",
    )
  ) {
    throw new ReviewStackError(
      `--swept must be a list of { pr, reason }: pass the sweep step's swept output.`,
    );
  }
  return parsed as { pr: number; reason: string }[];
}
