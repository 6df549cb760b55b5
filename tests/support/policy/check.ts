import {
  evaluatePolicies,
  type EvaluationOptions,
  type RecordedResourceLike,
} from "../../../policy/offline";
import { SUFFIX } from "./compliant-stack";

/** `[policy, resource logical name, message]`: what the rule tests compare exactly. */
export type Finding = readonly [string, string | undefined, string];

/** Evaluates the whole pack as the engine would on stack `<environment>` with its committed config. */
export function findings(
  environment: string,
  resources: readonly RecordedResourceLike[],
  options: Partial<EvaluationOptions> = {},
): Finding[] {
  const project = `trading-analytics-${environment}`;
  return evaluatePolicies(resources, {
    stack: environment,
    project,
    config: { "aws:region": "us-east-1", [`${project}:environmentSuffix`]: SUFFIX },
    ...options,
  }).map((violation) => [violation.policyName, violation.name, violation.message] as const);
}
