export * from "./bar";
export * from "./decimal";
export * from "./idempotency";
export * from "./record";
export * from "./sequence";
export * from "./symbol";
export * from "./tick";
export * from "./time";
