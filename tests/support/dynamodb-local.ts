import {
  DYNALITE_FALLBACK_NOTICE,
  sharedDynamoDbLocalEndpoint,
} from "../../scripts/local-aws/dynamodb-local";

/**
 * For tests of what only DynamoDB Local implements (transactions, TTL, DynamoDB's limits): `it`
 * while the run has DynamoDB Local; without it (no Java 17, dynalite serves) `it.skip`, with the
 * reason in the test's name, so the run reports the test as skipped rather than passed.
 *
 * @example onDynamoDbLocal("transactions")("commits both items or neither", async () => { ... });
 */
export function onDynamoDbLocal(
  feature: string,
): (name: string, fn: jest.ProvidesCallback, timeout?: number) => void {
  if (sharedDynamoDbLocalEndpoint() !== undefined) {
    return (name, fn, timeout) => it(name, fn, timeout);
  }
  return (name, fn, timeout) =>
    it.skip(
      `${name} [skipped: ${feature} need DynamoDB Local. ${DYNALITE_FALLBACK_NOTICE}]`,
      fn,
      timeout,
    );
}
