import { createHash } from "node:crypto";

import { isReservedSuffix } from "../config/review-stack";
import { validateAccountId } from "./bootstrap-names";

/** How many characters the proposed suffix has: 36^8 (about 2.8 * 10^12) possible values. */
export const PROPOSED_SUFFIX_LENGTH = 8;

const REPOSITORY_PATTERN = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;

/**
 * The `environmentSuffix` the bootstrap proposes for one deployment: 8 lower-case letters or digits
 * taken from a SHA-256 of the AWS account id and the GitHub repository.
 *
 * S3 bucket names are global across every AWS account, and the archive bucket is
 * `{env}-market-archive-us-east-1-{suffix}`: a suffix committed in a public template (`a1`) is taken
 * by its first adopter. Deriving it from the account and the repository makes it distinct per
 * deployment, and the same every time the bootstrap runs for that deployment. The repository is
 * compared case-insensitively, as GitHub compares it.
 *
 * A suffix starting with `pr` belongs to review stacks (`dev-pr<N>`), whose role may change every
 * such dev resource: where the first 64 bits give one (1 in 1,296), the next 64 bits are used.
 */
export function proposeEnvironmentSuffix(accountId: string, repository: string): string {
  validateAccountId(accountId, "Account id");
  if (!REPOSITORY_PATTERN.test(repository)) {
    throw new Error(
      `Repository "${repository}" is not OWNER/REPO: the suffix is derived from the account and the GitHub repository.`,
    );
  }
  const digest = createHash("sha256").update(`${accountId}/${repository.toLowerCase()}`).digest();
  const candidates = [0, 8, 16, 24].map((offset) =>
    (digest.readBigUInt64BE(offset) % 36n ** BigInt(PROPOSED_SUFFIX_LENGTH))
      .toString(36)
      .padStart(PROPOSED_SUFFIX_LENGTH, "0"),
  );
  const suffix = candidates.find((candidate) => !isReservedSuffix(candidate));
  if (suffix === undefined) {
    // Four windows all starting with "pr": about 1 in 2.8 * 10^12.
    throw new Error(
      `No suffix could be derived for ${accountId} and ${repository}: set environmentSuffix by hand (1-12 lower-case letters or digits, not starting with "pr").`,
    );
  }
  return suffix;
}
