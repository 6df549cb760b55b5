import fc from "fast-check";

import { namerFor } from "../naming/physical-name";
import { planPlatformNames } from "../stack/platform-names";
import { ENVIRONMENT_SUFFIX_PATTERN } from "./deployment";
import {
  MAX_REVIEW_PULL_REQUEST,
  isReservedSuffix,
  parseReviewStackName,
  reviewStack,
} from "./review-stack";

function names(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") {
    out.push(value);
  } else if (Array.isArray(value)) {
    value.forEach((item) => names(item, out));
  } else if (typeof value === "object" && value !== null) {
    Object.values(value).forEach((item) => names(item, out));
  }
  return out;
}

describe("review stack names", () => {
  test.each([
    [1, "dev-pr1", "pr1"],
    [42, "dev-pr42", "pr42"],
    [99_999, "dev-pr99999", "pr99999"],
  ])("pull request %d: stack %s, suffix %s", (pullRequest, stack, suffix) => {
    expect(reviewStack(pullRequest)).toEqual({ environment: "dev", stack, pullRequest, suffix });
    expect(parseReviewStackName(stack)).toEqual(reviewStack(pullRequest));
  });

  test.each([0, -1, 1.5, 100_000, Number.NaN])("pull request %d has no review stack", (number) => {
    expect(() => reviewStack(number)).toThrow(
      `Pull request ${number} cannot have a review stack: its number must be 1-99999, which every physical name can carry within AWS's limits.`,
    );
  });

  test.each(["dev", "staging", "production", "dev-feature", "dev-p1", "qa-pr1", "xdev-pr1"])(
    "%s is not a review stack",
    (stack) => {
      expect(parseReviewStackName(stack)).toBeUndefined();
    },
  );

  test("every review suffix is a valid environmentSuffix in the reserved prefix", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_REVIEW_PULL_REQUEST }), (pullRequest) => {
        const { stack, suffix } = reviewStack(pullRequest);
        expect(suffix).toMatch(ENVIRONMENT_SUFFIX_PATTERN);
        expect(isReservedSuffix(suffix)).toBe(true);
        expect(parseReviewStackName(stack)?.pullRequest).toBe(pullRequest);
      }),
    );
  });

  test("every physical name of the largest review stack fits AWS's limits and ends with its suffix", () => {
    const { suffix } = reviewStack(MAX_REVIEW_PULL_REQUEST);
    // Alarm definitions ride along in the plan; physical names are the strings with the region.
    const planned = names(
      planPlatformNames(namerFor({ environment: "dev", region: "us-east-1", suffix })),
    ).filter((value) => value.includes("-us-east-1-"));
    expect(planned.length).toBeGreaterThan(30);
    expect(planned.filter((name) => !name.endsWith("-pr99999"))).toEqual([]);
  });
});
