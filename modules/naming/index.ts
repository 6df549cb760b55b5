export * from "./bootstrap-names";
export * from "./deployment-suffix";
export * from "./physical-name";
export * from "./tags";
export * from "./role-paths";
