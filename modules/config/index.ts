export * from "./deployment";
export * from "./settings";
