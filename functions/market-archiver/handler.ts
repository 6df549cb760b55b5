import { archiverOptionsFromEnv, createMarketArchiver } from "./archiver";

/** Kinesis -> S3 raw archive. Clients, logger and metrics are created once per container. */
export const handler = createMarketArchiver(archiverOptionsFromEnv()).handler;
