import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

import { Option } from "commander";
import type { Command } from "commander";

import { Sha256 } from "@aws-crypto/sha256-js";
import { KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { SignatureV4 } from "@smithy/signature-v4";

import { environmentDirectory, stackName } from "../../environments/backends";
import { ENVIRONMENT_NAMES, REGION, type EnvironmentName } from "../../modules/config/settings";
import {
  EXIT_OK,
  EXIT_PROBLEM,
  parseCommand,
  runMain,
  type CommandIo,
  type Parsed,
} from "../cli/program";
import { createCommand } from "../cli/program-help";
import { integerIn } from "../cli/program-parsers";
import type { PublishTick, QueryLatest, SmokeResult } from "./smoke-check";
import {
  SMOKE_SYMBOL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_POLL_MS,
  smokeTick,
  systemClock,
  SmokeCheckFailed,
  runSmokeCheck,
} from "./smoke-check";

/**
 * The smoke check after every `pulumi up`: one test tick for the reserved symbol into the
 * environment's stream, then the analytics API (`GET /latest`, SigV4-signed for the Function URL's
 * IAM auth) is polled until the 1-minute bar shows that very tick, within a deadline.
 *
 *   npm run smoke -- --env dev [--outputs outputs.json] [--timeout-ms 10000] [--poll-ms 250]
 *
 * Stack outputs come from `pulumi stack output --json` in the environment's directory, or from
 * a file written by it (`--outputs`). Exit codes: 0 the tick showed up, 1 it did not (or the check
 * could not run), 2 bad usage.
 */

/** The stack outputs the smoke check reads. */
export interface SmokeTargets {
  readonly streamName: string;
  readonly analyticsApiUrl: string;
}

export function smokeTargets(outputs: unknown, environment: EnvironmentName): SmokeTargets {
  const record = (typeof outputs === "object" && outputs !== null ? outputs : {}) as Record<
    string,
    unknown
  >;
  const missing = (["streamName", "analyticsApiUrl"] as const).filter(
    (key) => typeof record[key] !== "string" || record[key] === "",
  );
  if (missing.length > 0) {
    throw new SmokeCheckFailed(
      `The ${environment} stack outputs lack ${missing.join(" and ")} (they have: ${Object.keys(record).join(", ") || "nothing"}). Deploy the stack first, or pass --outputs with the JSON of \`pulumi stack output --json\`.`,
    );
  }
  return {
    streamName: record.streamName as string,
    analyticsApiUrl: record.analyticsApiUrl as string,
  };
}

/** Where to get the Pulumi CLI, for messages about a machine that lacks it. */
export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/iac/download-install/";

/** Runs a command and returns what `spawnSync` does; injected in tests. */
export type Spawn = (
  command: string,
  args: readonly string[],
) => {
  readonly error?: NodeJS.ErrnoException;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
};

const spawnText: Spawn = (command, args) =>
  spawnSync(command, [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

/** Reads the outputs with the Pulumi CLI, which the deploy job has installed and logged in. */
export function pulumiStackOutputs(
  environment: EnvironmentName,
  spawn: Spawn = spawnText,
): unknown {
  const result = spawn("pulumi", [
    "stack",
    "output",
    "--json",
    "--stack",
    stackName(environment),
    "--cwd",
    environmentDirectory(environment),
  ]);
  if (result.error?.code === "ENOENT") {
    throw new SmokeCheckFailed(
      `The Pulumi CLI (pulumi) is not installed or not on PATH, so the ${environment} stack outputs cannot be read: install the Pulumi CLI (${PULUMI_INSTALL_URL}), or pass --outputs with the JSON of \`pulumi stack output --json\`.`,
    );
  }
  if (result.error !== undefined || result.status !== 0) {
    throw new SmokeCheckFailed(
      `\`pulumi stack output --json\` failed for ${environment}: ${result.error?.message ?? result.stderr.trim()}. Log in to the environment's backend (PULUMI_BACKEND_URL) or pass --outputs.`,
    );
  }
  return JSON.parse(result.stdout) as unknown;
}

/** Puts the tick with the real Kinesis client; the partition key is the symbol, as producers do. */
export function kinesisPublisher(client: KinesisClient, streamName: string): PublishTick {
  return async (tick) => {
    await client.send(
      new PutRecordCommand({
        StreamName: streamName,
        PartitionKey: tick.symbol,
        Data: Buffer.from(JSON.stringify(tick), "utf8"),
      }),
    );
  };
}

/** `GET <url>/latest?symbols=...`, signed with SigV4 for a Function URL with AWS_IAM auth. */
export function signedLatestQuery(
  functionUrl: string,
  signer: SignatureV4,
  fetchImpl: typeof fetch = fetch,
  signingDate: () => Date = () => new Date(),
): QueryLatest {
  return async (symbol) => {
    const url = new URL("latest", functionUrl.endsWith("/") ? functionUrl : `${functionUrl}/`);
    url.searchParams.set("symbols", symbol);
    const request = await signer.sign(
      {
        method: "GET",
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        query: { symbols: symbol },
        headers: { host: url.host, accept: "application/json" },
      },
      { signingDate: signingDate() },
    );
    const response = await fetchImpl(url, { method: "GET", headers: request.headers });
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(
        `GET ${url.pathname}${url.search} answered ${response.status}: ${text.slice(0, 200)}`,
      );
    }
    return JSON.parse(text) as unknown;
  };
}

export function functionUrlSigner(): SignatureV4 {
  return new SignatureV4({
    service: "lambda",
    region: REGION,
    credentials: fromNodeProviderChain(),
    sha256: Sha256,
  });
}

export interface SmokeArgs {
  readonly environment: EnvironmentName;
  readonly outputsFile: string | undefined;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

/** `npm run smoke`'s command line. */
export function smokeCommand(io: CommandIo): Command {
  return createCommand(
    {
      script: "smoke",
      description: `The check after every pulumi up: puts one tick for the reserved symbol ${SMOKE_SYMBOL} into the environment's stream, then polls the analytics API (GET /latest, SigV4-signed) until the 1-minute bar shows that very tick, within a deadline.`,
      usage: "--env <environment> [options]",
      details:
        "Uses the AWS SDK's default credentials. The stream and API come from the stack outputs: `pulumi stack output --json` in environments/<env>, or --outputs. Prints how long the tick took to show up.",
      exitCodes: {
        ok: "the tick showed up through the API",
        problem: "it did not within --timeout-ms (or the check could not run)",
      },
      examples: [
        "npm run smoke -- --env dev",
        "npm run smoke -- --env staging --outputs outputs.json --timeout-ms 30000",
      ],
    },
    io,
  )
    .addOption(
      new Option("--env <environment>", "the environment to check (required)").choices(
        ENVIRONMENT_NAMES,
      ),
    )
    .addOption(
      new Option(
        "--outputs <file>",
        "JSON written by `pulumi stack output --json` (default: run the Pulumi CLI in environments/<env>)",
      ),
    )
    .addOption(
      new Option("--timeout-ms <ms>", "how long the tick may take to show up")
        .argParser(integerIn(1, 3_600_000))
        .default(DEFAULT_TIMEOUT_MS),
    )
    .addOption(
      new Option("--poll-ms <ms>", "pause between two queries of the API")
        .argParser(integerIn(1, 60_000))
        .default(DEFAULT_POLL_MS),
    );
}

export function parseSmokeArgs(argv: readonly string[], io: CommandIo): Parsed<SmokeArgs> {
  return parseCommand<SmokeArgs>(smokeCommand(io), argv, io, {
    required: ["--env"],
    validate: (values) => ({
      environment: values.env as EnvironmentName,
      outputsFile: values.outputs as string | undefined,
      timeoutMs: values.timeoutMs as number,
      pollMs: values.pollMs as number,
    }),
  });
}

export function formatSuccess(environment: EnvironmentName, result: SmokeResult): string {
  return `Smoke check passed in ${environment}: tick ${result.tick.tradeId} for ${result.tick.symbol} showed up through the analytics API after ${result.elapsedMs} ms (${result.queries} ${result.queries === 1 ? "query" : "queries"}).`;
}

/** Where the smoke check's stack outputs, stream and API come from; injected in tests. */
export interface SmokeDependencies {
  readonly stackOutputs: (environment: EnvironmentName) => unknown;
  readonly readFile: (path: string) => string;
  readonly check: (args: SmokeArgs, targets: SmokeTargets) => Promise<SmokeResult>;
}

async function checkDeployed(args: SmokeArgs, targets: SmokeTargets): Promise<SmokeResult> {
  const kinesis = new KinesisClient({ region: REGION });
  try {
    return await runSmokeCheck({
      tick: smokeTick(Date.now(), Math.floor(Math.random() * 1_000_000)),
      publish: kinesisPublisher(kinesis, targets.streamName),
      query: signedLatestQuery(targets.analyticsApiUrl, functionUrlSigner()),
      clock: systemClock,
      timeoutMs: args.timeoutMs,
      pollMs: args.pollMs,
    });
  } finally {
    kinesis.destroy();
  }
}

const deployed: SmokeDependencies = {
  stackOutputs: (environment) => pulumiStackOutputs(environment),
  readFile: (path) => readFileSync(path, "utf8"),
  check: checkDeployed,
};

/** `npm run smoke -- --env <env> [options]`; resolves with the exit code. */
export async function smokeCli(
  argv: readonly string[],
  io: CommandIo,
  dependencies: SmokeDependencies = deployed,
): Promise<number> {
  const parsed = parseSmokeArgs(argv, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  const args = parsed.options;
  try {
    const outputs =
      args.outputsFile === undefined
        ? dependencies.stackOutputs(args.environment)
        : (JSON.parse(dependencies.readFile(args.outputsFile)) as unknown);
    const result = await dependencies.check(args, smokeTargets(outputs, args.environment));
    io.stdout(`${formatSuccess(args.environment, result)}\n`);
    return EXIT_OK;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${message}\n`);
    if (io.env.GITHUB_ACTIONS === "true") {
      io.stdout(`::error title=Smoke check failed::${message}\n`);
    }
    return EXIT_PROBLEM;
  }
}

if (require.main === module) {
  runMain(smokeCli);
}
