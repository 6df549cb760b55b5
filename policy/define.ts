import type {
  PolicyResource,
  ResourceValidation,
  ResourceValidationPolicy,
  Severity,
  StackValidation,
  StackValidationPolicy,
} from "@pulumi/policy";

import type { StackContext } from "./context";
import type { Props } from "./props";

/** Gives each policy the stack it runs against; the pack reads the process, the harness passes it in. */
export type ContextSource = () => StackContext;

export interface RuleMetadata {
  /** Unique kebab-case id, shown with every violation. */
  readonly name: string;
  /** What the rule requires and why, in one or two sentences. */
  readonly summary: string;
  /** Public rules (checkov `CKV_AWS_*`, cdk-nag `AwsSolutions-*`) that check the same thing. */
  readonly ruleIds: readonly string[];
  /** A public rule that is close but not the same, with how it differs. */
  readonly related?: string;
  readonly severity: Severity;
  /** How to fix a violation, in general terms (each message also says it for the resource). */
  readonly remediation: string;
}

export function policyDescription(meta: RuleMetadata): string {
  const ids = meta.ruleIds.length > 0 ? ` Public rule ids: ${meta.ruleIds.join(", ")}.` : "";
  const related = meta.related === undefined ? "" : ` Related: ${meta.related}.`;
  return `${meta.summary}${ids}${related}`;
}

export function resourcePolicy(
  meta: RuleMetadata,
  validateResource: ResourceValidation,
): ResourceValidationPolicy {
  return {
    name: meta.name,
    description: policyDescription(meta),
    enforcementLevel: "mandatory",
    severity: meta.severity,
    remediationSteps: meta.remediation,
    validateResource,
  };
}

export function stackPolicy(
  meta: RuleMetadata,
  validateStack: StackValidation,
): StackValidationPolicy {
  return {
    name: meta.name,
    description: policyDescription(meta),
    enforcementLevel: "mandatory",
    severity: meta.severity,
    remediationSteps: meta.remediation,
    validateStack,
  };
}

/** A stack resource's outputs, typed for the narrowing helpers. */
export function propsOf(resource: PolicyResource): Props {
  return resource.props as Props;
}

export function ofType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
  return resources.filter((resource) => resource.type === type);
}
