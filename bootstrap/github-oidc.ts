import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "../environments/backends";
import { PROJECT_TAG } from "../modules/naming/tags";

/** The repository whose workflows may assume the roles. */
export interface GitHubRepository {
  readonly owner: string;
  readonly name: string;
  /**
   * Numeric ids of the owner and the repository. Given, the trust policies also accept the
   * immutable subject form `repo:OWNER@<ownerId>/REPO@<repositoryId>:...`, which repositories
   * created since mid-2026 (or opted in) put in their tokens, and which a rename cannot hijack.
   * @default - the name form only
   */
  readonly ids?: { readonly ownerId: string; readonly repositoryId: string };
}

/**
 * The `sub` claims a workflow context produces, in every form the repository may use:
 * `repo:OWNER/REPO:<context>` and, with ids, `repo:OWNER@<id>/REPO@<id>:<context>`.
 */
export function githubSubjects(repository: GitHubRepository, context: string): string[] {
  const subjects = [`repo:${repository.owner}/${repository.name}:${context}`];
  if (repository.ids !== undefined) {
    subjects.push(
      `repo:${repository.owner}@${repository.ids.ownerId}/${repository.name}@${repository.ids.repositoryId}:${context}`,
    );
  }
  return subjects;
}

/** Workflow contexts (the part of `sub` after the repository) a role trusts. */
export function deployRoleContexts(environment: string): string[] {
  return [`environment:${environment}`];
}

/**
 * The review-stack role is trusted only by jobs in the `review` GitHub environment
 * (`repo:OWNER/REPO:environment:review`): a pull-request job outside any environment gets
 * `pull_request`, which the dev and staging read-only roles trust, and GitHub's default subject
 * cannot say both. The `review` environment lets every branch in, so the role's own scope, review
 * stacks only, is what protects the account; the label only decides which pull requests use it.
 */
export function reviewRoleContexts(githubEnvironment: string): string[] {
  return [`environment:${githubEnvironment}`];
}

/**
 * The read-only role of an environment is used outside GitHub environments, so its subject is the
 * triggering ref: pull requests (dev and staging previews; the token does not say which base
 * branch, so both roles trust every same-repository pull request, and neither can write), the
 * default branch (scheduled drift checks and rollback dispatches), and, for production only,
 * release tags (the preview a reviewer reads before approving).
 */
export function previewRoleContexts(environment: string, defaultBranch: string): string[] {
  const branch = `ref:refs/heads/${defaultBranch}`;
  return environment === "production" ? ["ref:refs/tags/v*", branch] : ["pull_request", branch];
}

export interface TrustPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly [
    {
      readonly Sid: string;
      readonly Effect: "Allow";
      readonly Principal: { readonly Federated: string };
      readonly Action: "sts:AssumeRoleWithWebIdentity";
      readonly Condition: Readonly<Record<string, Readonly<Record<string, string | string[]>>>>;
    },
  ];
}

/**
 * Trusted only by GitHub's OIDC provider, only for tokens minted for STS (`aud`), and only for the
 * given subjects. Subjects with a wildcard (release tags) are matched with StringLike; all others
 * exactly.
 */
export function githubTrustPolicy(
  providerArn: string,
  sid: string,
  subjects: readonly string[],
): TrustPolicy {
  if (subjects.length === 0) {
    throw new Error(`Trust policy ${sid} has no subjects: name the workflow contexts it trusts.`);
  }
  const wildcard = subjects.some((subject) => subject.includes("*"));
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: sid,
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            ...(wildcard ? {} : { [`${GITHUB_OIDC_HOST}:sub`]: [...subjects] }),
          },
          ...(wildcard ? { StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: [...subjects] } } : {}),
        },
      },
    ],
  };
}

export interface GitHubOidcProviderArgs {
  readonly accountId: string;
  /** Reuse the account's provider (an account has at most one per URL). @default - create it */
  readonly existingProviderArn?: string;
}

/** The account's IAM OIDC provider for GitHub Actions: created here, or an existing one reused. */
export class GitHubOidcProvider extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: GitHubOidcProviderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:bootstrap:GitHubOidcProvider", name, {}, opts);
    if (args.existingProviderArn !== undefined) {
      this.arn = pulumi.output(args.existingProviderArn);
    } else {
      // IAM validates GitHub's certificate against its own trust store, so no thumbprint is pinned.
      const provider = new aws.iam.OpenIdConnectProvider(
        name,
        {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIdLists: [GITHUB_OIDC_AUDIENCE],
          tags: { ManagedBy: "pulumi", Project: PROJECT_TAG, Service: "github-oidc" },
        },
        { parent: this },
      );
      this.arn = provider.arn;
    }
    this.registerOutputs({ arn: this.arn });
  }
}
