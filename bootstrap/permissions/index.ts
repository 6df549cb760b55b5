export * from "./policy-types";
export { platformResources, type PlatformResources } from "./platform-resources";
export { DYNAMODB_SCALING_SERVICE } from "./data-grants";
export { LAMBDA_INTERFACE_CLEANUP_ACTIONS } from "./network-grants";
export {
  MANAGED_POLICY_MAX_CHARACTERS,
  deployPolicies,
  policySize,
  previewPolicies,
} from "./role-policies";
export { WILDCARD_ONLY_SID, WILDCARD_ONLY_WRITE_ACTIONS } from "./wildcard-only";
export { workloadBoundaryPolicy } from "./workload-boundary";
