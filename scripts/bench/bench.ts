import fs from "node:fs";
import path from "node:path";
import { Option } from "commander";
import type { Command } from "commander";
import { REPOSITORY_ROOT } from "../../modules/compute/runtime";
import {
  EXIT_OK,
  EXIT_PROBLEM,
  parseCommand,
  runMain,
  type CommandIo,
  type Parsed,
} from "../cli/program";
import { createCommand } from "../cli/program-help";
import {
  benchRows,
  renderBenchDocument,
  renderBenchTable,
  type BenchFigures,
  type BenchTableFormat,
} from "./bench-report";
import { formatInteger } from "../cli/text-table";

// The SDK warns that releases from 2027 need Node.js 22; the functions run on nodejs24.x.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export interface BenchOptions {
  readonly format: BenchTableFormat;
  /** Exit 1 when a figure misses its goal. */
  readonly check: boolean;
  /** Skip the hot bar (about two minutes). */
  readonly quick: boolean;
  /** Where the markdown document goes. */
  readonly out: string;
}

const DEFAULT_OUT = path.join("dist", "bench.md");

/** `npm run bench`'s command line. */
export function benchCommand(io: CommandIo): Command {
  return createCommand(
    {
      script: "bench",
      description:
        "Builds the function bundles and measures them against their goals: processor domain throughput against JSON.parse, DynamoDB requests and capacity units per batch (on DynamoDB Local, or dynalite without Java 17), a hot bar grown to 50,000 trades, bundle sizes, module load time and the processor handler's latency.",
      details: `Prints progress, then one row per figure (measured, goal, pass or FAIL) and writes the figures with notes as markdown to ${DEFAULT_OUT} (--out), for the README to quote.`,
      exitCodes: {
        ok: "measured (with --check: every figure meets its goal)",
        problem: "with --check, a figure misses its goal (or an error)",
      },
      examples: [
        "npm run bench",
        "npm run bench -- --quick --check",
        "npm run bench -- --format markdown",
      ],
    },
    io,
  )
    .addOption(
      new Option("--format <format>", "how the table prints: aligned columns, or markdown")
        .choices(["text", "markdown"])
        .default("text"),
    )
    .addOption(new Option("--check", "exit 1 when a figure misses its goal"))
    .addOption(new Option("--quick", "skip the hot bar (50,000 trades, about two minutes)"))
    .addOption(
      new Option(
        "--out <file>",
        "where the markdown document goes, relative to the repository root",
      ).default(DEFAULT_OUT),
    );
}

export function parseBenchArgs(argv: readonly string[], io: CommandIo): Parsed<BenchOptions> {
  return parseCommand<BenchOptions>(benchCommand(io), argv, io, {
    validate: (values) => ({
      format: values.format as BenchTableFormat,
      check: values.check === true,
      quick: values.quick === true,
      out: values.out as string,
    }),
  });
}

/** `npm run bench -- [options]`; resolves with the exit code. */
export async function benchCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseBenchArgs(argv, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  const { options } = parsed;
  const say = (message: string): void => io.stdout(`${message}\n`);
  const startedAt = new Date();
  let figures: BenchFigures;
  try {
    // The bundler, the emulators and the SDK load once the command line is valid, so --help and
    // a usage error answer at once.
    const { measure } = await import("./bench-measure");
    figures = await measure(options, say);
  } catch (error) {
    io.stderr(
      `Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_PROBLEM;
  }
  const rows = benchRows(figures);
  const output = path.resolve(REPOSITORY_ROOT, options.out);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, renderBenchDocument(rows, figures, startedAt));
  say("");
  say(renderBenchTable(rows, options.format));
  say("");
  const failed = rows.filter((row) => !row.pass).length;
  say(
    `${formatInteger(rows.length - failed)} of ${formatInteger(rows.length)} figures meet their goal. Written to ${path.relative(process.cwd(), output) || output}.`,
  );
  return options.check && failed > 0 ? EXIT_PROBLEM : EXIT_OK;
}

if (require.main === module) {
  runMain(benchCli);
}
