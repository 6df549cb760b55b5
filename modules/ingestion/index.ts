export * from "./dead-letter-queue";
export * from "./market-data-stream";
export * from "./stream-consumers";
