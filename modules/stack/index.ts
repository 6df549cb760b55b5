export * from "./deploy";
export * from "./platform-names";
export * from "./trading-stack";
