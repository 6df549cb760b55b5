export * from "./bootstrap-names";
export * from "./physical-name";
export * from "./tags";
