import { loadDeploymentConfig } from "../config/deployment";
import { TradingStack, type TradingStackOutputs } from "./trading-stack";

/**
 * The whole program of `environments/<env>/index.ts`: reads and validates the stack config (an
 * unknown environment or a bad suffix throws before any resource is registered), builds the
 * environment's stack and returns its outputs.
 */
export function deployEnvironment(environment: string): TradingStackOutputs {
  const config = loadDeploymentConfig(environment);
  return new TradingStack(config.environment, { config }).outputs;
}
