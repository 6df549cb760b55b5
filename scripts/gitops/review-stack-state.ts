import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

import { projectName } from "../../environments/backends";
import {
  reviewStackFilePath,
  reviewStackFileText,
  stackFilePath,
} from "../../environments/stack-files";
import {
  REVIEW_STACK_ENVIRONMENT,
  REVIEW_SUFFIX_PREFIX,
  parseReviewStackName,
  type ReviewStack,
} from "../../modules/config/review-stack";
import { ReviewStackError } from "./review-stack-options";

/**
 * The review stacks' files: their checkpoints in dev's state bucket (which stacks exist and when
 * each was last written, listed with ListObjectsV2), and the stack file written at run time from
 * dev's committed one.
 */

/** Where the DIY backend keeps the review stacks' checkpoints (pkg/backend/diy/store.go). */
export function stackFilesPrefix(): string {
  return `.pulumi/stacks/${projectName(REVIEW_STACK_ENVIRONMENT)}/${REVIEW_STACK_ENVIRONMENT}-${REVIEW_SUFFIX_PREFIX}`;
}

/** One object of the state bucket, as ListObjectsV2 lists it. */
export interface StateObject {
  readonly key: string;
  readonly lastModified: Date;
}

/** A review stack found in the state bucket, and when its checkpoint was last written. */
export interface ReviewStackState {
  readonly review: ReviewStack;
  readonly lastUpdated: Date;
}

/** A checkpoint is `<stack>.json`, or compressed `.json.gz` / `.json.zst`; `.bak` files are not. */
const CHECKPOINT = /^([a-z0-9-]+)\.json(\.gz|\.zst)?$/;

/**
 * The review stacks among the objects under {@link stackFilesPrefix}: each stack's checkpoint and
 * the time it was last written (every up, refresh and destroy rewrites it). Keys that look like a
 * checkpoint but not of a review stack are returned apart, never touched.
 */
export function reviewStacksInState(objects: readonly StateObject[]): {
  readonly stacks: ReviewStackState[];
  readonly unrecognised: string[];
} {
  const folder = stackFilesPrefix().slice(0, stackFilesPrefix().lastIndexOf("/") + 1);
  const stacks = new Map<string, ReviewStackState>();
  const unrecognised: string[] = [];
  for (const object of objects) {
    const match = CHECKPOINT.exec(object.key.slice(folder.length));
    if (!object.key.startsWith(stackFilesPrefix()) || match === null) {
      continue;
    }
    let review: ReviewStack | undefined;
    try {
      review = parseReviewStackName(match[1]);
    } catch {
      review = undefined;
    }
    if (review === undefined) {
      unrecognised.push(object.key);
      continue;
    }
    const known = stacks.get(review.stack);
    if (known === undefined || known.lastUpdated < object.lastModified) {
      stacks.set(review.stack, { review, lastUpdated: object.lastModified });
    }
  }
  return {
    stacks: [...stacks.values()].sort((a, b) => a.review.pullRequest - b.review.pullRequest),
    unrecognised,
  };
}

/** `s3://<bucket>?region=<region>` (environments/backends.ts `backendUrl`). */
export function parseBackendUrl(url: string | undefined): { bucket: string; region: string } {
  const match = /^s3:\/\/([a-z0-9.-]{3,63})(?:\?region=([a-z0-9-]+))?$/.exec(url ?? "");
  if (match === null) {
    throw new ReviewStackError(
      `PULUMI_BACKEND_URL is ${url === undefined || url === "" ? "not set" : `"${url}"`}: it must be dev's state backend, s3://trading-analytics-state-dev-<account>?region=us-east-1 (the review environment's variable).`,
    );
  }
  return { bucket: match[1], region: match[2] ?? "us-east-1" };
}

/** Lists the objects under a prefix of the state bucket; injected in tests. */
export type ListStateObjects = (prefix: string) => Promise<StateObject[]>;

export function s3StateObjects(backendUrl: string | undefined): ListStateObjects {
  const { bucket, region } = parseBackendUrl(backendUrl);
  return async (prefix) => {
    const client = new S3Client({ region });
    const objects: StateObject[] = [];
    try {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key !== undefined && item.LastModified !== undefined) {
            objects.push({ key: item.Key, lastModified: item.LastModified });
          }
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } finally {
      client.destroy();
    }
    return objects;
  };
}

/** Writes the review stack's stack file from dev's committed one; returns its path. */
export function writeReviewStackFile(root: string, review: ReviewStack): string {
  const text = reviewStackFileText(
    readFileSync(join(root, stackFilePath(review.environment)), "utf8"),
    review,
  );
  const path = reviewStackFilePath(review);
  writeFileSync(join(root, path), text);
  return path;
}
