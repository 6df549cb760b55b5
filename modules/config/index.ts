export * from "./deployment";
export * from "./review-stack";
export * from "./settings";
