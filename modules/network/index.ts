export * from "./function-security-group";
export * from "./private-network";
export * from "./vpc-flow-logs";
