import { Option } from "commander";
import type { CommandIo } from "./cli";
import { EXIT_OK, EXIT_PROBLEM, count, integerIn, operatorCommand, runCommand } from "./cli";
import { operatorClients, operatorEnvironment } from "./environment";
import { STREAM_CONSUMERS, redrive } from "./redrive";
import type { StreamConsumer } from "./redrive";

/**
 * The options of `npm run redrive` (`redrive-command.ts`): which consumer's dead-letter queue, in
 * which environment, and how much at a time; the replay itself is `redrive` in `redrive.ts`.
 */

interface RedriveCliOptions {
  readonly env: "dev" | "staging" | "production";
  readonly outputs?: string;
  readonly consumer: StreamConsumer;
  readonly batchSize?: number;
  readonly visibilityTimeout: number;
  readonly maxMessages: number;
  readonly dryRun?: boolean;
}

/** `npm run redrive -- ...`; resolves with the exit code. */
export async function redriveCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = operatorCommand(
    {
      script: "redrive",
      description:
        "Replay the batches parked in a stream consumer's dead-letter queue: re-read each batch's records from the stream (or, for the processor, from the raw archive once the stream no longer holds them), apply them through the consumer's own code, and delete the message once all are applied.",
      usage: "--env <environment> --consumer <consumer> [options]",
      details:
        "Prints, per message, the batch it points at, where its records were read from (stream or archive), what the consumer did with them and whether the message was deleted or left for a later run; then a summary.",
      exitCodes: {
        ok: "every message handled (or the queue was empty)",
        problem: "a message was left in the queue (or an error)",
      },
      examples: [
        "npm run redrive -- --env production --consumer market-processor --dry-run",
        "npm run redrive -- --env dev --consumer market-archiver --max-messages 10",
      ],
    },
    io,
  )
    .addOption(
      new Option("--consumer <consumer>", "whose dead-letter queue to replay (required)").choices(
        STREAM_CONSUMERS,
      ),
    )
    .addOption(
      new Option(
        "--batch-size <records>",
        "records per batch given to the consumer's code (default: the environment's batch size of the consumer's event source mapping)",
      ).argParser(integerIn(1, 10_000)),
    )
    .addOption(
      new Option(
        "--visibility-timeout <seconds>",
        "how long a message being replayed stays hidden from other readers",
      )
        .argParser(integerIn(30, 43_200))
        .default(900),
    )
    .addOption(
      new Option("--max-messages <count>", "stop after this many messages")
        .argParser(integerIn(1, 100_000))
        .default(1000),
    )
    .addOption(
      new Option("--dry-run", "read the messages and their records; apply and delete nothing"),
    );
  return runCommand(command, argv, io, ["--env", "--consumer"], async () => {
    const options = command.opts<RedriveCliOptions>();
    const { dryRun = false } = options;
    const environment = operatorEnvironment(options.env, options.outputs, io.env);
    const clients = operatorClients(io.env);
    const queueUrl = environment.targets.dlqUrls[options.consumer];
    const batchSize =
      options.batchSize ??
      (options.consumer === "market-processor"
        ? environment.settings.lambda.batchSize
        : environment.settings.archiver.batchSize);
    try {
      io.stderr(
        `redrive ${options.env} ${options.consumer}: ${queueUrl}${dryRun ? " (dry run: nothing is applied or deleted)" : ""}\n`,
      );
      const summary = await redrive({
        consumer: options.consumer,
        queueUrl,
        streamName: environment.targets.streamName,
        streamArn: environment.targets.streamArn,
        sqs: clients.sqs,
        kinesis: clients.kinesis,
        s3: clients.s3,
        dynamodb: clients.dynamodb,
        tableName: environment.targets.tableName,
        bucketName: environment.targets.bucketName,
        barTtlDays: environment.settings.table.barRetentionDays,
        now: io.now,
        batchSize,
        visibilityTimeoutSeconds: options.visibilityTimeout,
        maxMessages: options.maxMessages,
        dryRun,
        out: (line) => io.stdout(`${line}\n`),
        progress: (line) => io.stderr(`${line}\n`),
      });
      const messages = count(summary.messages, "message");
      io.stdout(
        summary.messages === 0
          ? "The dead-letter queue is empty: nothing to replay.\n"
          : dryRun
            ? `${messages} read (dry run): nothing applied, nothing deleted.\n`
            : `${messages}: ${summary.deleted} replayed and deleted, ${summary.left} left in the queue.\n`,
      );
      return summary.left > 0 ? EXIT_PROBLEM : EXIT_OK;
    } finally {
      clients.destroy();
    }
  });
}
