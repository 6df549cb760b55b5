import { isEnvironmentName } from "../../modules/config/settings";
import { evaluatePolicies } from "../../policy/offline";
import { environmentProject, readStackConfig, runEnvironmentProgram } from "./mock-runtime";
import { moduleOf, physicalNameOf, type PlannedResource, type PlanViolation } from "./plan-report";

/** What a worker sends back to the plan: one environment's resources and policy violations. */
export interface WorkerResult {
  readonly resources: PlannedResource[];
  readonly violations: PlanViolation[];
}

/** Runs one environment's real program under the mocks and evaluates the policy pack on it. */
export async function planEnvironment(environment: string): Promise<WorkerResult> {
  if (!isEnvironmentName(environment)) {
    throw new Error(`Unknown environment "${environment}".`);
  }
  const { resources } = await runEnvironmentProgram(environment);
  const violations = evaluatePolicies(resources, {
    stack: environment,
    project: environmentProject(environment),
    config: readStackConfig(environment),
  });
  return {
    resources: resources
      // Cloud resources, plus remote components such as awsx's VPC (which expands into subnets,
      // route tables and endpoints only in the real engine); not the platform's own components.
      .filter((resource) => resource.custom || !resource.type.startsWith("trading:"))
      .map((resource) => ({
        type: resource.type,
        name: resource.name,
        module: moduleOf(resource.urn ?? ""),
        physicalName: physicalNameOf(resource.type, resource.inputs),
      })),
    violations: violations.map((violation) => ({
      policyName: violation.policyName,
      resource: violation.name ?? "(stack)",
      message: violation.message,
    })),
  };
}

// Run as a forked child: one environment per process, because a Pulumi program loads once per process.
if (require.main === module && process.send !== undefined) {
  const send = process.send.bind(process);
  planEnvironment(process.argv[2] ?? "").then(
    (result) => send({ ok: true, result }, () => process.exit(0)),
    (error: unknown) =>
      send({ ok: false, error: error instanceof Error ? error.message : String(error) }, () =>
        process.exit(1),
      ),
  );
}
