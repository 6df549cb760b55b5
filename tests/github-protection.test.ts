import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import {
  ENVIRONMENT_PROTECTION,
  RELEASE_TAG_RULESET,
  REVIEW_ENVIRONMENT_BODY,
  environmentRequestBody,
} from "../bootstrap/github-environments";
import {
  environmentBackend,
  githubVariables,
  reviewGitHubVariables,
  reviewStacksBackend,
} from "../environments/backends";
import { ENVIRONMENT_NAMES } from "../modules/config/settings";
import { runGitHubProtection } from "../scripts/bootstrap/github-protection";
import {
  parseGitHubProtectionArgs,
  parseReviewer,
} from "../scripts/bootstrap/github-protection-options";
import type { GhRunner } from "../scripts/gitops/github";

const REPO = "acme/trading-analytics";
const ACCOUNT = "123456789012";
const FIXTURES = join(__dirname, "fixtures", "github-protection");

function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;
}

function httpError(status: number, message: string): Error {
  // What `gh api` prints on an error response; the script tells a 404 from other failures by it.
  return Object.assign(new Error(`Command failed: gh api\ngh: ${message} (HTTP ${status})`), {
    stderr: `gh: ${message} (HTTP ${status})\n`,
    status: 1,
  });
}

interface Policy {
  id: number;
  node_id: string;
  name: string;
  type: "branch" | "tag";
}

interface EnvironmentState {
  deploymentBranchPolicy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  reviewers: { type: "User" | "Team"; id: number }[];
  preventSelfReview: boolean;
  policies: Policy[];
  variables: Map<string, string>;
}

/**
 * GitHub behind the `gh api` calls the script makes, answering in the recorded shapes of
 * tests/fixtures/github-protection and applying writes as the REST API documents them. Any other
 * call throws, so a changed call shape fails the tests.
 */
class FakeGitHub {
  readonly calls: string[] = [];
  readonly bodies: unknown[] = [];
  readonly environments = new Map<string, EnvironmentState>();
  readonly rulesets: Record<string, unknown>[] = [];
  readonly repositoryVariables = new Map<string, string>();
  private nextId = 900000;

  /** The hand-configured repository of the fixtures. */
  static misconfigured(): FakeGitHub {
    const github = new FakeGitHub();
    const dev = fixture<{ deployment_branch_policy: null }>("environment-dev.json");
    github.environments.set("dev", {
      deploymentBranchPolicy: dev.deployment_branch_policy,
      reviewers: [],
      preventSelfReview: false,
      policies: [],
      variables: new Map(),
    });
    const production = fixture<{
      deployment_branch_policy: EnvironmentState["deploymentBranchPolicy"];
      protection_rules: {
        type: string;
        prevent_self_review?: boolean;
        reviewers?: { type: "User" | "Team"; reviewer: { id: number } }[];
      }[];
    }>("environment-production.json");
    const rule = production.protection_rules.find((item) => item.type === "required_reviewers");
    github.environments.set("production", {
      deploymentBranchPolicy: production.deployment_branch_policy,
      reviewers: (rule?.reviewers ?? []).map((item) => ({ type: item.type, id: item.reviewer.id })),
      preventSelfReview: rule?.prevent_self_review ?? false,
      policies: fixture<{ branch_policies: Policy[] }>("deployment-branch-policies-production.json")
        .branch_policies,
      variables: new Map([
        ["AWS_ROLE_ARN", fixture<{ value: string }>("variable-production-role.json").value],
      ]),
    });
    github.rulesets.push(fixture("ruleset-release-tags.json"));
    return github;
  }

  private environmentResponse(name: string, state: EnvironmentState): Record<string, unknown> {
    const template = fixture("environment-production.json");
    const user = fixture("user-octocat.json");
    const team = fixture("team-release-managers.json");
    const rules: Record<string, unknown>[] = [];
    if (state.reviewers.length > 0) {
      rules.push({
        id: 3755,
        node_id: "MDQ6R2F0ZTM3NTU=",
        prevent_self_review: state.preventSelfReview,
        type: "required_reviewers",
        reviewers: state.reviewers.map((reviewer) => ({
          type: reviewer.type,
          reviewer: { ...(reviewer.type === "User" ? user : team), id: reviewer.id },
        })),
      });
    }
    if (state.deploymentBranchPolicy !== null) {
      rules.push({ id: 3756, node_id: "MDQ6R2F0ZTM3NTY=", type: "branch_policy" });
    }
    return {
      ...template,
      name,
      url: `https://api.github.com/repos/${REPO}/environments/${name}`,
      protection_rules: rules,
      deployment_branch_policy: state.deploymentBranchPolicy,
    };
  }

  private environment(name: string): EnvironmentState {
    const state = this.environments.get(name);
    if (state === undefined) {
      throw httpError(404, "Not Found");
    }
    return state;
  }

  readonly runner: GhRunner = (args, input) => {
    const [command, ...rest] = args;
    if (command !== "api") {
      throw new Error(`Unexpected gh ${args.join(" ")}`);
    }
    let method = "GET";
    let path = rest[0];
    let fieldArgs: string[] = [];
    if (rest[0] === "--method") {
      method = rest[1];
      path = rest[2];
      fieldArgs = rest.slice(3);
    }
    this.calls.push(`${method} ${path}`);
    let body: Record<string, unknown> = {};
    if (fieldArgs[0] === "--input" && fieldArgs[1] === "-") {
      body = JSON.parse(input ?? "") as Record<string, unknown>;
    } else {
      for (let i = 0; i < fieldArgs.length; i += 2) {
        if (fieldArgs[i] !== "-f") {
          throw new Error(`Unexpected argument ${fieldArgs[i]} in ${args.join(" ")}`);
        }
        const [key, ...value] = fieldArgs[i + 1].split("=");
        body[key] = value.join("=");
      }
    }
    if (method !== "GET") {
      this.bodies.push(body);
    }
    const [route] = path.split("?");
    const json = (value: unknown) => `${JSON.stringify(value)}\n`;
    const repo = `repos/${REPO}`;
    let match: RegExpExecArray | null;

    if ((match = /^users\/([^/]+)$/.exec(route)) !== null && method === "GET") {
      if (match[1] !== "octocat") {
        throw httpError(404, "Not Found");
      }
      return json(fixture("user-octocat.json"));
    }
    if ((match = /^orgs\/([^/]+)\/teams\/([^/]+)$/.exec(route)) !== null && method === "GET") {
      if (match[1] !== "acme" || match[2] !== "release-managers") {
        throw httpError(404, "Not Found");
      }
      return json(fixture("team-release-managers.json"));
    }
    if ((match = new RegExp(`^${repo}/environments/([^/]+)$`).exec(route)) !== null) {
      const name = match[1];
      if (method === "GET") {
        return json(this.environmentResponse(name, this.environment(name)));
      }
      if (method === "PUT") {
        const policy = body.deployment_branch_policy as EnvironmentState["deploymentBranchPolicy"];
        if (policy !== undefined && policy !== null) {
          if (policy.protected_branches === policy.custom_branch_policies) {
            throw httpError(422, "Validation Failed");
          }
        }
        const reviewers = body.reviewers as EnvironmentState["reviewers"] | undefined;
        if (reviewers !== undefined && reviewers.length > 6) {
          throw httpError(422, "Validation Failed");
        }
        const state = this.environments.get(name) ?? {
          deploymentBranchPolicy: null,
          reviewers: [],
          preventSelfReview: false,
          policies: [],
          variables: new Map<string, string>(),
        };
        if (policy !== undefined) {
          state.deploymentBranchPolicy = policy;
        }
        if (reviewers !== undefined) {
          state.reviewers = reviewers.map((item) => ({ type: item.type, id: item.id }));
        }
        if (typeof body.prevent_self_review === "boolean") {
          state.preventSelfReview = body.prevent_self_review;
        }
        this.environments.set(name, state);
        return json(this.environmentResponse(name, state));
      }
    }
    if (
      (match = new RegExp(
        `^${repo}/environments/([^/]+)/deployment-branch-policies(?:/(\\d+))?$`,
      ).exec(route)) !== null
    ) {
      const state = this.environment(match[1]);
      if (state.deploymentBranchPolicy?.custom_branch_policies !== true) {
        throw httpError(404, "Not Found");
      }
      if (method === "GET" && match[2] === undefined) {
        return json({ total_count: state.policies.length, branch_policies: state.policies });
      }
      if (method === "POST" && match[2] === undefined) {
        const type = (body.type ?? "branch") as Policy["type"];
        if (state.policies.some((item) => item.name === body.name && item.type === type)) {
          throw httpError(422, "Validation Failed");
        }
        const created = { id: this.nextId++, node_id: "MDE2", name: String(body.name), type };
        state.policies.push(created);
        return json(created);
      }
      if (method === "DELETE" && match[2] !== undefined) {
        const id = Number(match[2]);
        if (!state.policies.some((item) => item.id === id)) {
          throw httpError(404, "Not Found");
        }
        state.policies = state.policies.filter((item) => item.id !== id);
        return "";
      }
    }
    if (
      (match = new RegExp(
        `^${repo}/(?:environments/([^/]+)|actions)/variables(?:/([A-Z_]+))?$`,
      ).exec(route)) !== null
    ) {
      const variables =
        match[1] === undefined ? this.repositoryVariables : this.environment(match[1]).variables;
      const name = match[2];
      if (method === "GET" && name !== undefined) {
        const value = variables.get(name);
        if (value === undefined) {
          throw httpError(404, "Not Found");
        }
        return json({
          name,
          value,
          created_at: "2026-12-01T00:00:00Z",
          updated_at: "2026-12-01T00:00:00Z",
        });
      }
      if (method === "POST" && name === undefined) {
        if (variables.has(String(body.name))) {
          throw httpError(409, "Already exists");
        }
        variables.set(String(body.name), String(body.value));
        return json({});
      }
      if (method === "PATCH" && name !== undefined) {
        if (!variables.has(name)) {
          throw httpError(404, "Not Found");
        }
        variables.set(name, String(body.value));
        return "";
      }
    }
    if ((match = new RegExp(`^${repo}/rulesets(?:/(\\d+))?$`).exec(route)) !== null) {
      const id = match[1] === undefined ? undefined : Number(match[1]);
      if (method === "GET" && id === undefined) {
        const summary = fixture<Record<string, unknown>[]>("rulesets.json")[0];
        return json(
          this.rulesets.map((ruleset) => ({
            ...summary,
            id: ruleset.id,
            name: ruleset.name,
            target: ruleset.target,
            enforcement: ruleset.enforcement,
          })),
        );
      }
      if (method === "POST" && id === undefined) {
        if (this.rulesets.some((ruleset) => ruleset.name === body.name)) {
          throw httpError(422, "Validation Failed");
        }
        const created = { ...fixture("ruleset-release-tags.json"), ...body, id: this.nextId++ };
        this.rulesets.push(created);
        return json(created);
      }
      const index = this.rulesets.findIndex((ruleset) => ruleset.id === id);
      if (index === -1) {
        throw httpError(404, "Not Found");
      }
      if (method === "GET") {
        return json(this.rulesets[index]);
      }
      if (method === "PUT") {
        this.rulesets[index] = { ...this.rulesets[index], ...body };
        return json(this.rulesets[index]);
      }
    }
    throw new Error(`Unexpected gh api call ${method} ${path}`);
  };
}

function run(argv: string[], github: FakeGitHub) {
  const written: string[] = [];
  const code = runGitHubProtection(argv, {
    root: __dirname,
    env: {},
    gh: github.runner,
    lookupAccount: () => {
      throw new Error("must not ask AWS");
    },
    readFile: (file) => readFileSync(file, "utf8"),
    write: (text) => written.push(text),
  });
  return { code, output: written.join("") };
}

const BASE = ["--repo", REPO, "--account-id", ACCOUNT];
const OCTOCAT = ["--reviewer", "user:octocat"];

const ALL_OK = [
  "ok   environment dev: branch main only",
  "ok   environment staging: branch staging only",
  "ok   environment production: tag v* only, required reviewers, no self-review",
  "ok   environment review: every branch, for review stacks only",
  'ok   ruleset "Release tags v*": only administrators create, move or delete v* tags',
  "ok   variables: all 21 set",
  "",
].join("\n");

describe("scripts/bootstrap/github-protection.ts", () => {
  test("a new repository: creates and protects each environment, the tag ruleset and every variable, then verifies", () => {
    const github = new FakeGitHub();
    const { code, output } = run([...BASE, ...OCTOCAT], github);
    expect(output.endsWith(ALL_OK)).toBe(true);
    expect(code).toBe(0);
    expect(github.calls.slice(0, 13)).toEqual([
      "GET users/octocat",
      `PUT repos/${REPO}/environments/dev`,
      `GET repos/${REPO}/environments/dev/deployment-branch-policies?per_page=100`,
      `POST repos/${REPO}/environments/dev/deployment-branch-policies`,
      `PUT repos/${REPO}/environments/staging`,
      `GET repos/${REPO}/environments/staging/deployment-branch-policies?per_page=100`,
      `POST repos/${REPO}/environments/staging/deployment-branch-policies`,
      `PUT repos/${REPO}/environments/production`,
      `GET repos/${REPO}/environments/production/deployment-branch-policies?per_page=100`,
      `POST repos/${REPO}/environments/production/deployment-branch-policies`,
      `PUT repos/${REPO}/environments/review`,
      `GET repos/${REPO}/rulesets?includes_parents=false&per_page=100`,
      `POST repos/${REPO}/rulesets`,
    ]);
    expect(github.bodies.slice(0, 8)).toEqual([
      { deployment_branch_policy: { protected_branches: false, custom_branch_policies: true } },
      { name: "main", type: "branch" },
      { deployment_branch_policy: { protected_branches: false, custom_branch_policies: true } },
      { name: "staging", type: "branch" },
      {
        prevent_self_review: true,
        reviewers: [{ type: "User", id: 583231 }],
        deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      },
      { name: "v*", type: "tag" },
      { deployment_branch_policy: null },
      RELEASE_TAG_RULESET,
    ]);
    expect(github.environments.get("review")?.deploymentBranchPolicy).toBeNull();
    expect(Object.fromEntries(github.environments.get("review")?.variables ?? [])).toEqual(
      reviewGitHubVariables(reviewStacksBackend(ACCOUNT)),
    );
    for (const environment of ENVIRONMENT_NAMES) {
      const expected = githubVariables(environmentBackend(environment, ACCOUNT));
      expect(Object.fromEntries(github.environments.get(environment)?.variables ?? [])).toEqual(
        expected.environment,
      );
      for (const [name, value] of Object.entries(expected.repository)) {
        expect(github.repositoryVariables.get(name)).toBe(value);
      }
    }

    const before = github.calls.length;
    const verified = run(["--verify", ...BASE], github);
    expect(verified).toEqual({ code: 0, output: ALL_OK });
    expect(github.calls.slice(before).every((call) => call.startsWith("GET "))).toBe(true);
  });

  test("--verify on a repository configured by hand reports every gap, and changes nothing", () => {
    const github = FakeGitHub.misconfigured();
    const { code, output } = run(["--verify", ...BASE, ...OCTOCAT], github);
    expect(code).toBe(1);
    const failures = output.split("\n").filter((line) => line.startsWith("FAIL "));
    expect(failures.slice(0, 7)).toEqual([
      "FAIL environment dev lets every branch and tag deploy: it must allow only branch main.",
      "FAIL environment staging does not exist: any workflow naming it would create it unprotected.",
      "FAIL environment production allows tag v*, branch main: it must allow only tag v*.",
      "FAIL environment production lets the person who started a deployment approve it: set prevent_self_review.",
      "FAIL environment review does not exist: the review-stack workflows run in it, and would create it without the variables that name the review-stack role.",
      'FAIL ruleset "Release tags v*" lets RepositoryRole:5:always, RepositoryRole:4:always bypass it, not only repository administrators.',
      'FAIL dev variable AWS_ROLE_ARN is not set, not "arn:aws:iam::123456789012:role/trading-analytics-dev-deploy".',
    ]);
    expect(failures).toContain(
      'FAIL production variable AWS_ROLE_ARN is "arn:aws:iam::210987654321:role/trading-analytics-production-deploy", not "arn:aws:iam::123456789012:role/trading-analytics-production-deploy".',
    );
    expect(github.calls.filter((call) => !call.startsWith("GET "))).toEqual([]);
  });

  test("applying to that repository fixes each gap: removes the extra ref, narrows the bypass, corrects the variable", () => {
    const github = FakeGitHub.misconfigured();
    const { code, output } = run([...BASE, ...OCTOCAT], github);
    expect(output).toContain("DELETE production deployment policy branch main\n");
    expect(output).toContain('PUT ruleset "Release tags v*"\n');
    expect(output).toContain("PATCH production variable AWS_ROLE_ARN\n");
    expect(output.endsWith(ALL_OK)).toBe(true);
    expect(code).toBe(0);
    expect(github.calls).toContain(
      `DELETE repos/${REPO}/environments/production/deployment-branch-policies/361472`,
    );
    expect(
      github.environments.get("production")?.policies.map((p) => `${p.type} ${p.name}`),
    ).toEqual(["tag v*"]);
    expect(github.rulesets[0].bypass_actors).toEqual(RELEASE_TAG_RULESET.bypass_actors);
  });

  test("--verify reports a review environment that lets only some branches in", () => {
    const github = new FakeGitHub();
    expect(run([...BASE, ...OCTOCAT], github).code).toBe(0);
    const review = github.environments.get("review");
    if (review === undefined) {
      throw new Error("no review environment");
    }
    review.deploymentBranchPolicy = { protected_branches: true, custom_branch_policies: false };
    const { code, output } = run(["--verify", ...BASE, ...OCTOCAT], github);
    expect(code).toBe(1);
    expect(output).toContain(
      "FAIL environment review lets only some branches deploy: review stacks deploy pull requests from any branch, so it must allow every branch (its role reaches review stacks only).\n",
    );
  });

  test("leaves the review environment alone without dev", () => {
    const github = new FakeGitHub();
    const { code } = run([...BASE, ...OCTOCAT, "--env", "staging", "--env", "production"], github);
    expect(code).toBe(0);
    expect(github.environments.has("review")).toBe(false);
  });

  test("verifies that the named reviewers are among production's", () => {
    const github = new FakeGitHub();
    expect(run([...BASE, ...OCTOCAT], github).code).toBe(0);
    const { code, output } = run(
      ["--verify", ...BASE, "--reviewer", "team:acme/release-managers"],
      github,
    );
    expect(code).toBe(1);
    expect(output).toContain(
      "FAIL environment production lacks the required reviewer(s) Team 4821.\n",
    );
  });

  test("--print prints gh api calls that send exactly what the script sends", () => {
    const github = new FakeGitHub();
    const { code, output } = run(["--print", ...BASE, ...OCTOCAT], github);
    expect(code).toBe(0);
    expect(github.calls).toEqual([]);
    expect(output).toContain(
      [
        "# production: only tag v* may deploy; required reviewers, who may not approve their own runs",
        `gh api --method PUT repos/${REPO}/environments/production --input - <<JSON`,
        '{"prevent_self_review":true,"reviewers":[{"type":"User","id":$(gh api users/octocat --jq .id)}],"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}}',
        "JSON",
        `gh api --method POST repos/${REPO}/environments/production/deployment-branch-policies -f 'name=v*' -f type=tag`,
      ].join("\n"),
    );
    expect(output).toContain(
      `gh variable set AWS_ROLE_ARN --repo ${REPO} --env dev --body 'arn:aws:iam::123456789012:role/trading-analytics-dev-deploy'\n`,
    );
    expect(
      output.endsWith(
        `# then check everything\nnpx tsx scripts/bootstrap/github-protection.ts --verify --repo ${REPO} --account-id ${ACCOUNT} --reviewer user:octocat\n`,
      ),
    ).toBe(true);

    // Run the printed lines with a recording `gh`: the bodies must be the ones the script sends.
    const script = `gh() {
  if [ "$1 $2" = "api users/octocat" ]; then echo 583231; return; fi
  printf 'CALL %s\\n' "$*"
  case " $* " in *" --input - "*) printf 'BODY %s\\n' "$(cat)";; esac
}
npx() { printf 'NPX %s\\n' "$*"; }
${output}`;
    const result = spawnSync("bash", ["-euo", "pipefail", "-c", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    const lines = result.stdout.trimEnd().split("\n");
    const bodies = lines
      .filter((line) => line.startsWith("BODY "))
      .map((line) => JSON.parse(line.slice(5)) as unknown);
    expect(bodies).toEqual([
      environmentRequestBody(ENVIRONMENT_PROTECTION.dev, []),
      environmentRequestBody(ENVIRONMENT_PROTECTION.staging, []),
      environmentRequestBody(ENVIRONMENT_PROTECTION.production, [{ type: "User", id: 583231 }]),
      REVIEW_ENVIRONMENT_BODY,
      RELEASE_TAG_RULESET,
    ]);
    expect(lines).toContain(
      `CALL api --method POST repos/${REPO}/environments/production/deployment-branch-policies -f name=v* -f type=tag`,
    );
    expect(lines.filter((line) => line.startsWith("CALL variable set "))).toHaveLength(21);
    expect(lines[lines.length - 1]).toBe(
      `NPX tsx scripts/bootstrap/github-protection.ts --verify --repo ${REPO} --account-id ${ACCOUNT} --reviewer user:octocat`,
    );
  });

  test("refuses to protect production without reviewers, or with a reviewer GitHub does not know", () => {
    expect(() => parseGitHubProtectionArgs(BASE)).toThrow(
      "Production needs required reviewers: pass --reviewer user:LOGIN or --reviewer team:ORG/SLUG (up to six).",
    );
    expect(parseGitHubProtectionArgs([...BASE, "--env", "dev"])).toMatchObject({
      environments: ["dev"],
      reviewers: [],
    });
    expect(() => run([...BASE, "--reviewer", "user:nobody-here"], new FakeGitHub())).toThrow(
      "User nobody-here was not found on GitHub: check the --reviewer value.",
    );
  });

  test.each<[string, string]>([
    ["user:<login>", '--reviewer "user:<login>" is not user:LOGIN or team:ORG/SLUG'],
    ["octocat", '--reviewer "octocat" is not user:LOGIN or team:ORG/SLUG'],
    ["team:acme", '--reviewer "team:acme" is not user:LOGIN or team:ORG/SLUG'],
  ])("rejects the reviewer %j", (spec, message) => {
    expect(() => parseReviewer(spec)).toThrow(message);
  });

  test.each<[string[], string]>([
    [["--account-id", ACCOUNT], "--repo is required."],
    [["--repo", "acme"], '--repo "acme" is not a GitHub repository'],
    [[...BASE, "--print", "--verify"], "--print and --verify exclude each other."],
    [[...BASE, "--env", "qa"], '--env "qa" is not an environment: use dev, staging, production.'],
  ])("rejects %j", (argv, message) => {
    expect(() => parseGitHubProtectionArgs(argv)).toThrow(message);
  });
});
