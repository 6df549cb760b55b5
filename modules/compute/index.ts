export * from "./alarms";
export * from "./analytics-api";
export * from "./iam";
export * from "./market-function";
export * from "./market-functions";
export * from "./runtime";
export * from "./stream-consumer-function";
