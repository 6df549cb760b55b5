import { apiOptionsFromEnv, createAnalyticsApi } from "./api";

/** Function URL -> DynamoDB reads. Clients, logger and metrics are created once per container. */
export const handler = createAnalyticsApi(apiOptionsFromEnv()).handler;
