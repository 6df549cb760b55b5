import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** Hooks into a real SDK client's middleware stack, for tests. */

/** Counts command calls by name (each call once, however many attempts the SDK makes). */
export function countCommands(client: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "unknown";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countCommands" },
  );
  return counts;
}

/**
 * Runs `hook` before each command; if it throws, the command fails with that error without
 * being sent (and without SDK retries, which run later in the stack).
 */
export function beforeCommand(
  client: DynamoDBClient,
  hook: (commandName: string, input: Record<string, unknown>) => Promise<void> | void,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      await hook(context.commandName ?? "unknown", args.input as Record<string, unknown>);
      return next(args);
    },
    { step: "initialize", name: "beforeCommand" },
  );
}
