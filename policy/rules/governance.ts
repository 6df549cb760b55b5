import type {
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";

import { ENVIRONMENT_NAMES, REGION } from "../../modules/config/settings";
import { PROJECT_TAG } from "../../modules/naming/tags";
import {
  expectedEnvironmentSuffix,
  resolveEnvironment,
  stackEnvironment,
  taggedEnvironment,
} from "../context";
import { resourcePolicy, type ContextSource, type RuleMetadata } from "../define";
import { parsePhysicalName, serviceOf } from "../names";
import { asArray, asRecord, asString, describeResource, tagsOf, type Props } from "../props";
import { labelOf, NAMED_TYPES, TAGGABLE_TYPES, TYPES } from "../resource-types";

export const REQUIRED_TAG_KEYS = ["Environment", "ManagedBy", "Project", "Service"] as const;

export const GOVERNANCE_RULES = {
  requiredTags: {
    name: "required-tags",
    summary: `Every taggable resource carries Environment (the stack's environment), ManagedBy "pulumi", Project "${PROJECT_TAG}" and Service; a resource whose environment cannot be resolved violates this rule.`,
    ruleIds: [],
    severity: "medium",
    remediation: "Tag the resource with `standardTags(environment, service)` from modules/naming.",
  },
  naming: {
    name: "physical-name-pattern",
    summary: `Every named resource has the physical name {env}-{service}-${REGION}-{environmentSuffix} (a log group or KMS alias may add its fixed prefix), built by modules/naming.`,
    ruleIds: [],
    severity: "medium",
    remediation: "Name the resource with `physicalName()` / `namerFor()` from modules/naming.",
  },
  notProtected: {
    name: "resources-not-protected",
    summary:
      "No resource is protected or retained on delete, so every environment can be destroyed completely. (The Pulumi engine does not pass retainOnDelete to policy packs; the offline evaluation checks it.)",
    ruleIds: [],
    severity: "high",
    remediation: "Remove the `protect` and `retainOnDelete` resource options.",
  },
  destroyCleanly: {
    name: "resources-destroy-cleanly",
    summary:
      "Nothing blocks `pulumi destroy`: no DynamoDB deletion protection, buckets empty themselves (forceDestroy), log groups are deleted with the stack (no skipDestroy).",
    ruleIds: [],
    severity: "high",
    remediation:
      "Set `deletionProtectionEnabled: false` on tables, `forceDestroy: true` on buckets, and leave `skipDestroy` unset on log groups.",
  },
} as const satisfies Record<string, RuleMetadata>;

const SERVICE_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function physicalNameOf(type: string, props: Props): string | undefined {
  const named = NAMED_TYPES[type];
  return named === undefined ? undefined : asString(props[named.field]);
}

function labelFor(args: ResourceValidationArgs): string {
  return describeResource(
    labelOf(args.type),
    args.name,
    physicalNameOf(args.type, args.props as Props),
  );
}

/** What is wrong with one set of tags, each phrased to follow the resource's label; empty when nothing is. */
function tagProblems(
  tags: Readonly<Record<string, string>>,
  stack: ReturnType<typeof stackEnvironment>,
): string[] {
  const problems: string[] = [];
  const present = (key: string): boolean => tags[key] !== undefined && tags[key] !== "";
  const missing = REQUIRED_TAG_KEYS.filter((key) => !present(key));
  if (missing.length > 0) {
    problems.push(`has no ${missing.join(", ")} tag${missing.length === 1 ? "" : "s"}`);
  }
  const environment = tags.Environment;
  if (present("Environment") && taggedEnvironment(tags) === undefined) {
    problems.push(
      `has Environment "${environment}", which is not one of ${ENVIRONMENT_NAMES.join(", ")}`,
    );
  } else if (present("Environment") && stack !== undefined && environment !== stack) {
    problems.push(`has Environment "${environment}" but is deployed by the ${stack} stack`);
  }
  if (present("ManagedBy") && tags.ManagedBy !== "pulumi") {
    problems.push(`has ManagedBy "${tags.ManagedBy}" instead of "pulumi"`);
  }
  if (present("Project") && tags.Project !== PROJECT_TAG) {
    problems.push(`has Project "${tags.Project}" instead of "${PROJECT_TAG}"`);
  }
  if (present("Service") && !SERVICE_PATTERN.test(tags.Service ?? "")) {
    problems.push(`has Service "${tags.Service}", which is not lower-case hyphenated words`);
  }
  return problems;
}

export function governancePolicies(context: ContextSource): ResourceValidationPolicy[] {
  return [
    resourcePolicy(GOVERNANCE_RULES.requiredTags, (args, report) => {
      if (!TAGGABLE_TYPES.has(args.type)) {
        args.notApplicable("The resource type has no tags");
      }
      const props = args.props as Props;
      const stack = stackEnvironment(context());
      const fix = "tag it with standardTags(environment, service) from modules/naming";
      const problems = tagProblems(tagsOf(props), stack);
      if (problems.length > 0) {
        report(`${labelFor(args)} ${problems.join("; ")}: ${fix}.`);
      }
      if (args.type === TYPES.awsxVpc) {
        for (const spec of asArray(props.vpcEndpointSpecs)) {
          const endpoint = asRecord(spec) ?? {};
          const endpointProblems = tagProblems(tagsOf(endpoint), stack);
          if (endpointProblems.length > 0) {
            report(
              `${labelFor(args)} creates VPC endpoint "${asString(endpoint.serviceName) ?? "unnamed"}", which ${endpointProblems.join("; ")}: set that vpcEndpointSpecs entry's tags with standardTags(environment, service).`,
            );
          }
        }
      }
    }),
    resourcePolicy(GOVERNANCE_RULES.naming, (args, report) => {
      const named = NAMED_TYPES[args.type];
      if (named === undefined) {
        args.notApplicable("The resource type has no physical name built by modules/naming");
      }
      const props = args.props as Props;
      const current = context();
      const tags = tagsOf(props);
      const environment = resolveEnvironment(current, tags);
      const suffix = expectedEnvironmentSuffix(current);
      const label = describeResource(named.label, args.name, undefined);
      const name = asString(props[named.field]);
      // An untaggable resource (a dashboard) has its service in its name only.
      const service = serviceOf(tags, name) ?? "<service>";
      const example = `${environment ?? "<env>"}-${service}-${REGION}-${suffix ?? "<suffix>"}`;
      const fix = `build it with physicalName() from modules/naming, e.g. "${example}"`;
      if (name === undefined || name === "") {
        report(`${label} has no ${named.field}, so Pulumi would generate a random name: ${fix}.`);
        return;
      }
      const parsed = parsePhysicalName(name);
      if (parsed === undefined) {
        report(
          `${label} is named "${name}", which does not follow {env}-{service}-${REGION}-{environmentSuffix}: ${fix}.`,
        );
        return;
      }
      const problems: string[] = [];
      if (parsed.prefix !== "" && named.prefix?.test(parsed.prefix) !== true) {
        problems.push(`starts with "${parsed.prefix}"`);
      }
      if (environment !== undefined && parsed.environment !== environment) {
        problems.push(`names environment "${parsed.environment}" in ${environment}`);
      }
      if (parsed.region !== REGION) {
        problems.push(`names region "${parsed.region}" instead of ${REGION}`);
      }
      if (suffix !== undefined && parsed.suffix !== suffix) {
        problems.push(
          `ends with suffix "${parsed.suffix}" instead of the environmentSuffix "${suffix}"`,
        );
      }
      if (problems.length > 0) {
        report(`${label} is named "${name}", which ${problems.join(" and ")}: ${fix}.`);
      }
    }),
    resourcePolicy(GOVERNANCE_RULES.notProtected, (args, report) => {
      const opts = args.opts as PolicyResourceOptions & { readonly retainOnDelete?: boolean };
      const options = [
        ...(opts.protect ? ["protect"] : []),
        ...(opts.retainOnDelete === true ? ["retainOnDelete"] : []),
      ];
      if (options.length > 0) {
        report(
          `${labelFor(args)} has ${options.map((option) => `${option}: true`).join(" and ")}, so pulumi destroy would leave it behind: remove the ${options.join(" and ")} option${options.length === 1 ? "" : "s"}.`,
        );
      }
    }),
    resourcePolicy(GOVERNANCE_RULES.destroyCleanly, (args, report) => {
      const props = args.props as Props;
      if (args.type === TYPES.table) {
        if (props.deletionProtectionEnabled === true) {
          report(
            `${labelFor(args)} has deletion protection, so pulumi destroy fails on it: set deletionProtectionEnabled: false.`,
          );
        }
        return;
      }
      if (args.type === TYPES.bucket) {
        if (props.forceDestroy !== true) {
          report(
            `${labelFor(args)} does not empty itself on destroy, so pulumi destroy fails once it holds objects: set forceDestroy: true.`,
          );
        }
        return;
      }
      if (args.type === TYPES.logGroup) {
        if (props.skipDestroy === true) {
          report(
            `${labelFor(args)} has skipDestroy: true, so pulumi destroy leaves it behind: remove skipDestroy.`,
          );
        }
        return;
      }
      args.notApplicable("Only tables, buckets and log groups have destroy safeguards");
    }),
  ];
}
