import { parseReviewStackName } from "../../modules/config/review-stack";
import { isEnvironmentName } from "../../modules/config/settings";
import { evaluatePolicies } from "../../policy/offline";
import type { RecordedResource } from "./mock-runtime";
import {
  environmentProject,
  readStackConfigOf,
  runEnvironmentProgram,
} from "./mock-runtime-environments";
import { AWSX_VPC_TYPE, expandAwsxVpc } from "./plan-awsx";
import {
  moduleOf,
  physicalNameOf,
  type PlannedResource,
  type PlanViolation,
} from "./plan-report-model";

/** What a worker sends back to the plan: one environment's resources and policy violations. */
export interface WorkerResult {
  /** Cloud resources, and awsx's VPC component followed by what awsx creates inside it. */
  readonly resources: PlannedResource[];
  readonly violations: PlanViolation[];
  /** The suffix the program named everything with. */
  readonly environmentSuffix: string;
  /** The platform's own components (`trading:*`), which a preview counts too. */
  readonly platformComponents: number;
  /** What the plan found wrong with a component's inputs. */
  readonly componentWarnings: string[];
}

export interface PlanEnvironmentOptions {
  /**
   * The `ENVIRONMENT_SUFFIX` the program sees, which wins over the stack file's suffix as in a
   * deployment. @default - the plan's own `ENVIRONMENT_SUFFIX`
   */
  readonly environmentSuffixOverride?: string;
  /**
   * Plans this stack of the environment's project: a review stack (`dev-pr42`), with the stack file
   * the review-stack workflow writes and the suffix `pr<N>`. @default - the environment's own stack
   */
  readonly stack?: string;
}

/**
 * The suffix the program used: a non-empty `ENVIRONMENT_SUFFIX`, else the stack file's, as
 * `resolveDeploymentConfig` (modules/config/deployment.ts) decides; the program has validated it.
 */
function effectiveSuffix(stackSuffix: string | undefined, override: string | undefined): string {
  return override !== undefined && override !== "" ? override : (stackSuffix ?? "");
}

function planned(resource: RecordedResource): PlannedResource[] {
  const module = moduleOf(resource.urn ?? "");
  if (resource.type !== AWSX_VPC_TYPE) {
    return [
      {
        type: resource.type,
        name: resource.name,
        module,
        physicalName: physicalNameOf(resource.type, resource.inputs),
      },
    ];
  }
  const expansion = expandAwsxVpc(resource.name, resource.inputs);
  return [
    { type: resource.type, name: resource.name, module, component: true, reason: expansion.inputs },
    ...expansion.children.map((child) => ({
      type: child.type,
      name: child.name,
      module,
      createdBy: resource.name,
      reason: child.reason,
    })),
  ];
}

/** What runs an environment's program under the mocks: `runEnvironmentProgram`'s signature. */
export type EnvironmentProgramRunner = typeof runEnvironmentProgram;

/**
 * Runs one environment's real program under the mocks and evaluates the policy pack on it.
 * `runProgram` runs the program (a test passes one that reads a recording of the same run).
 */
export async function planEnvironment(
  environment: string,
  options: PlanEnvironmentOptions = { environmentSuffixOverride: process.env.ENVIRONMENT_SUFFIX },
  runProgram: EnvironmentProgramRunner = runEnvironmentProgram,
): Promise<WorkerResult> {
  if (!isEnvironmentName(environment)) {
    throw new Error(`Unknown environment "${environment}".`);
  }
  const stack = options.stack ?? environment;
  const config = readStackConfigOf(environment, stack);
  const override = options.environmentSuffixOverride;
  const { resources } = await runProgram(environment, { envOverride: override, stack });
  const violations = evaluatePolicies(resources, {
    stack,
    project: environmentProject(environment),
    config,
    ...(override === undefined || override === "" ? {} : { environmentSuffix: override }),
  });
  // Cloud resources, plus remote components such as awsx's VPC, whose insides only the real
  // engine builds: the plan derives them from the component's inputs.
  const shown = resources.filter(
    (resource) => resource.custom || !resource.type.startsWith("trading:"),
  );
  const components = shown.filter((resource) => resource.type === AWSX_VPC_TYPE);
  return {
    resources: shown.flatMap(planned),
    violations: violations.map((violation) => ({
      policyName: violation.policyName,
      resource: violation.name ?? "(stack)",
      message: violation.message,
    })),
    // A review stack's suffix comes from its name (modules/config).
    environmentSuffix:
      parseReviewStackName(stack)?.suffix ??
      effectiveSuffix(config[`${environmentProject(environment)}:environmentSuffix`], override),
    platformComponents: resources.length - shown.length,
    componentWarnings: components.flatMap(
      (component) => expandAwsxVpc(component.name, component.inputs).warnings,
    ),
  };
}

// Run as a forked child: one environment per process, because a Pulumi program loads once per process.
if (require.main === module && process.send !== undefined) {
  const send = process.send.bind(process);
  planEnvironment(process.argv[2] ?? "", {
    environmentSuffixOverride: process.env.ENVIRONMENT_SUFFIX,
    ...(process.argv[3] === undefined ? {} : { stack: process.argv[3] }),
  }).then(
    (result) => send({ ok: true, result }, () => process.exit(0)),
    (error: unknown) =>
      send({ ok: false, error: error instanceof Error ? error.message : String(error) }, () =>
        process.exit(1),
      ),
  );
}
