import {
  ENVIRONMENT_PROTECTION,
  RELEASE_TAG_RULESET,
  REVIEW_ENVIRONMENT_BODY,
  environmentRequestBody,
  type Reviewer,
} from "../../bootstrap/github-environments";
import {
  REVIEW_GITHUB_ENVIRONMENT,
  environmentBackend,
  githubSetupCommands,
  type EnvironmentName,
} from "../../environments/backends";
import { REVIEW_STACK_ENVIRONMENT } from "../../modules/config/review-stack";
import type { ReviewerSpec } from "./github-protection-options";
import {
  api,
  call,
  environmentPath,
  fields,
  find,
  findRuleset,
  listPolicies,
  policiesPath,
  samePolicy,
  shellLine,
  variableSettings,
  variablesPath,
  type Context,
} from "./github-settings-api";

/**
 * Writing the GitHub settings of `github-protection.ts`: `applySettings` makes each environment,
 * its deployment refs, the release-tag ruleset and the variables what they should be;
 * `printCommands` prints the same as `gh` commands for an administrator to run.
 */

export function applySettings(
  context: Context,
  environments: readonly EnvironmentName[],
  reviewers: readonly Reviewer[],
  accountId: string,
): string[] {
  const done: string[] = [];
  for (const environment of environments) {
    const protection = ENVIRONMENT_PROTECTION[environment];
    call(
      context,
      api(
        "PUT",
        environmentPath(context.repository, environment),
        environmentRequestBody(protection, reviewers),
      ),
    );
    done.push(`PUT environment ${environment}`);
    const listed = listPolicies(context, environment);
    for (const wanted of protection.deploymentRefs) {
      if (!listed.some((policy) => samePolicy(wanted, policy))) {
        call(context, fields("POST", policiesPath(context.repository, environment), { ...wanted }));
        done.push(`POST ${environment} deployment policy ${wanted.type} ${wanted.name}`);
      }
    }
    for (const policy of listed) {
      if (!protection.deploymentRefs.some((wanted) => samePolicy(wanted, policy))) {
        call(
          context,
          api("DELETE", `${policiesPath(context.repository, environment)}/${policy.id}`),
        );
        done.push(
          `DELETE ${environment} deployment policy ${policy.type ?? "branch"} ${policy.name}`,
        );
      }
    }
  }

  if (environments.includes(REVIEW_STACK_ENVIRONMENT)) {
    call(
      context,
      api(
        "PUT",
        environmentPath(context.repository, REVIEW_GITHUB_ENVIRONMENT),
        REVIEW_ENVIRONMENT_BODY,
      ),
    );
    done.push(`PUT environment ${REVIEW_GITHUB_ENVIRONMENT}`);
  }

  const existing = findRuleset(context);
  if (existing === undefined) {
    call(context, api("POST", `repos/${context.repository}/rulesets`, RELEASE_TAG_RULESET));
    done.push(`POST ruleset "${RELEASE_TAG_RULESET.name}"`);
  } else {
    call(
      context,
      api("PUT", `repos/${context.repository}/rulesets/${existing.id}`, RELEASE_TAG_RULESET),
    );
    done.push(`PUT ruleset "${RELEASE_TAG_RULESET.name}"`);
  }

  for (const variable of variableSettings(accountId, environments)) {
    const base = variablesPath(context.repository, variable.environment);
    const found = find(context, `${base}/${variable.name}`) as { value?: string } | undefined;
    const where = variable.environment ?? "repository";
    if (found === undefined) {
      call(context, api("POST", base, { name: variable.name, value: variable.value }));
      done.push(`POST ${where} variable ${variable.name}`);
    } else if (found.value !== variable.value) {
      call(
        context,
        api("PATCH", `${base}/${variable.name}`, { name: variable.name, value: variable.value }),
      );
      done.push(`PATCH ${where} variable ${variable.name}`);
    }
  }
  return done;
}

/** The commands an administrator runs where this script cannot (no gh here, or no admin rights). */
export function printCommands(
  repository: string,
  environments: readonly EnvironmentName[],
  reviewers: readonly ReviewerSpec[],
  accountId: string,
  verifyCommand: string,
): string {
  const lines: string[] = [];
  // Reviewer ids are looked up by the shell as it expands the heredoc, so the printed lines need no
  // editing: the body is built with stand-in ids (-1, -2, ...) that are then replaced by lookups.
  const reviewerIds: Reviewer[] = reviewers.map((spec, index) => ({
    type: spec.type,
    id: -(index + 1),
  }));
  for (const environment of environments) {
    const protection = ENVIRONMENT_PROTECTION[environment];
    lines.push(
      `# ${environment}: only ${protection.deploymentRefs.map((ref) => `${ref.type} ${ref.name}`).join(", ")} may deploy${protection.requiredReviewers ? "; required reviewers, who may not approve their own runs" : ""}`,
    );
    let put = shellLine(
      api(
        "PUT",
        environmentPath(repository, environment),
        environmentRequestBody(protection, protection.requiredReviewers ? reviewerIds : []),
      ),
      protection.requiredReviewers,
    );
    reviewers.forEach((spec, index) => {
      const lookup =
        spec.type === "User" ? `users/${spec.login}` : `orgs/${spec.org}/teams/${spec.slug}`;
      put = put.replace(`"id":${-(index + 1)}`, `"id":$(gh api ${lookup} --jq .id)`);
    });
    lines.push(put);
    for (const ref of protection.deploymentRefs) {
      lines.push(shellLine(fields("POST", policiesPath(repository, environment), { ...ref })));
    }
    lines.push(
      `# remove any other policy: gh api ${policiesPath(repository, environment)} lists them; gh api --method DELETE ${policiesPath(repository, environment)}/<id>`,
    );
  }
  if (environments.includes(REVIEW_STACK_ENVIRONMENT)) {
    lines.push(
      `# ${REVIEW_GITHUB_ENVIRONMENT}: every branch may use it; its role reaches review stacks only`,
      shellLine(
        api("PUT", environmentPath(repository, REVIEW_GITHUB_ENVIRONMENT), REVIEW_ENVIRONMENT_BODY),
      ),
    );
  }
  lines.push(
    `# v* tags: only administrators create, move or delete them (if the ruleset exists: gh api --method PUT repos/${repository}/rulesets/<id> with the same body)`,
    shellLine(api("POST", `repos/${repository}/rulesets`, RELEASE_TAG_RULESET)),
    "# variables the workflows read",
    githubSetupCommands(
      repository,
      environments.map((environment) => environmentBackend(environment, accountId)),
    ).trimEnd(),
    "# then check everything",
    verifyCommand,
  );
  return `${lines.join("\n")}\n`;
}
