export * from "./physical-name";
export * from "./tags";
