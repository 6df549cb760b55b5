export * from "./analytics-table";
export * from "./archive-bucket";
export * from "./archive-lifecycle";
export * from "./private-bucket";
