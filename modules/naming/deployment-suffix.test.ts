import { createHash } from "node:crypto";

import fc from "fast-check";

import { ENVIRONMENT_SUFFIX_PATTERN, TEMPLATE_ENVIRONMENT_SUFFIX } from "../config/deployment";
import { ENVIRONMENT_NAMES } from "../config/settings";
import { planPlatformNames } from "../stack/platform-names";
import { PROPOSED_SUFFIX_LENGTH, proposeEnvironmentSuffix } from "./deployment-suffix";
import { namerFor } from "./physical-name";

const ACCOUNT = "123456789012";

describe("proposeEnvironmentSuffix", () => {
  test("is the first 64 bits of SHA-256(account/repository) in base 36, 8 characters", () => {
    const digest = createHash("sha256").update("123456789012/acme/trading-analytics").digest("hex");
    const expected = (BigInt(`0x${digest.slice(0, 16)}`) % 36n ** 8n).toString(36).padStart(8, "0");
    expect(proposeEnvironmentSuffix(ACCOUNT, "acme/trading-analytics")).toBe(expected);
    expect(PROPOSED_SUFFIX_LENGTH).toBe(8);
  });

  test("is the same on every run and ignores the repository's case, as GitHub does", () => {
    const suffix = proposeEnvironmentSuffix(ACCOUNT, "acme/trading-analytics");
    expect(proposeEnvironmentSuffix(ACCOUNT, "acme/trading-analytics")).toBe(suffix);
    expect(proposeEnvironmentSuffix(ACCOUNT, "Acme/Trading-Analytics")).toBe(suffix);
  });

  test("differs per account and per repository, and is never the template's suffix", () => {
    const suffixes = new Set([
      proposeEnvironmentSuffix(ACCOUNT, "acme/trading-analytics"),
      proposeEnvironmentSuffix("210987654321", "acme/trading-analytics"),
      proposeEnvironmentSuffix(ACCOUNT, "globex/trading-analytics"),
      proposeEnvironmentSuffix(ACCOUNT, "acme/trading-analytics-fork"),
    ]);
    expect(suffixes.size).toBe(4);
    expect(suffixes.has(TEMPLATE_ENVIRONMENT_SUFFIX)).toBe(false);
  });

  test("never starts with pr, which review stacks own: the next 64 bits are used then", () => {
    const account = "100000000730";
    const digest = createHash("sha256").update(`${account}/acme/trading-analytics`).digest("hex");
    const window = (start: number) =>
      (BigInt(`0x${digest.slice(start, start + 16)}`) % 36n ** 8n).toString(36).padStart(8, "0");
    expect(window(0)).toBe("prdl8pyv");
    expect(proposeEnvironmentSuffix(account, "acme/trading-analytics")).toBe(window(16));
    expect(window(16)).toBe("gy3re0lp");
  });

  test("is always a valid environmentSuffix of 8 characters", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{12}$/),
        fc.stringMatching(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/),
        (account, repository) => {
          const suffix = proposeEnvironmentSuffix(account, repository);
          expect(suffix).toMatch(ENVIRONMENT_SUFFIX_PATTERN);
          expect(suffix).toHaveLength(PROPOSED_SUFFIX_LENGTH);
          expect(suffix.startsWith("pr")).toBe(false);
        },
      ),
    );
  });

  test.each(ENVIRONMENT_NAMES)(
    "%s: every physical name fits AWS's limits with a proposed suffix, and with the longest allowed",
    (environment) => {
      for (const suffix of [proposeEnvironmentSuffix(ACCOUNT, "acme/x"), "abcdefghijkl"]) {
        const names = planPlatformNames(namerFor({ environment, region: "us-east-1", suffix }));
        expect(names.bucket).toBe(`${environment}-market-archive-us-east-1-${suffix}`);
      }
    },
  );

  test.each<[string, string, string]>([
    [
      "12345",
      "acme/x",
      'Account id "12345" is not an AWS account id: use the 12 digits that `aws sts get-caller-identity --query Account --output text` prints.',
    ],
    [
      ACCOUNT,
      "acme",
      'Repository "acme" is not OWNER/REPO: the suffix is derived from the account and the GitHub repository.',
    ],
  ])("rejects account %j with repository %j", (account, repository, message) => {
    expect(() => proposeEnvironmentSuffix(account, repository)).toThrow(message);
  });
});
