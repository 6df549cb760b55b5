import { createMarketProcessor, processorOptionsFromEnv } from "./processor";

/** Kinesis -> DynamoDB. Clients, logger and metrics are created once per container. */
export const handler = createMarketProcessor(processorOptionsFromEnv()).handler;
