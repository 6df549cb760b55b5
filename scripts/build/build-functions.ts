import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { Option } from "commander";
import type { Command } from "commander";
import { analyzeMetafile, build } from "esbuild";
import type { Metafile, Plugin } from "esbuild";
import {
  EXIT_OK,
  parseCommand,
  runAction,
  runMain,
  type CommandIo,
  type Parsed,
} from "../cli/program";
import { createCommand } from "../cli/program-help";
import { collect } from "../cli/program-parsers";

/**
 * Bundles each Lambda function with esbuild: one minified CommonJS file per function,
 * `dist/functions/<name>/index.js` (plus its source map), for the nodejs24.x runtime's Node.js (the
 * tools, tests and the local run use the same major, from `.nvmrc`). The AWS SDK is bundled too: the function then runs the SDK
 * version this repository tests, not whichever the runtime ships; its credential chain is cut
 * down to the environment variables Lambda sets. The infrastructure zips
 * `dist/functions/<name>`; build metadata goes to `dist/meta/`, outside what is deployed.
 */

export const FUNCTION_NAMES = ["market-processor", "market-archiver", "analytics-api"] as const;

export type FunctionName = (typeof FUNCTION_NAMES)[number];

const ROOT = resolve(__dirname, "..", "..");

/**
 * Lambda puts the execution role's credentials in the environment, so the SDK's default chain
 * is replaced by a reader of those variables (`functions/shared/lambda-credentials.ts`).
 */
const lambdaCredentials: Plugin = {
  name: "lambda-credentials",
  setup(plugin) {
    plugin.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: join(ROOT, "functions", "shared", "lambda-credentials.ts"),
    }));
  },
};

/**
 * Event streams (S3 SelectObjectContent and the like) are not used by any bundled operation, yet
 * their support costs every cold start. The protocols load it with `import()`, which esbuild turns
 * into lazily initialised wrappers around the import target and everything it imports (most of
 * `@smithy/core`): code V8 parses twice, once when the bundle is compiled and again when each
 * wrapper runs. S3's client also imports the codecs statically to build a marshaller up front.
 * Every import of the package resolves instead to a module that keeps the client configuration
 * working and says what happened if an event stream is ever sent or received.
 */
const withoutEventStreams: Plugin = {
  name: "without-event-streams",
  setup(plugin) {
    plugin.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, () => ({
      path: "event-streams",
      namespace: "without-event-streams",
    }));
    plugin.onLoad({ filter: /.*/, namespace: "without-event-streams" }, () => ({
      contents: EVENT_STREAMS_NOT_BUNDLED,
      loader: "js",
    }));
  },
};

/** Thrown when an operation sends or receives an event stream. */
export const EVENT_STREAMS_NOT_BUNDLED_MESSAGE =
  "Event stream operations are not bundled with this function: remove the without-event-streams plugin from scripts/build/build-functions.ts to call them";

/** What `@smithy/core/event-streams` resolves to in the bundles. */
const EVENT_STREAMS_NOT_BUNDLED = `
const notBundled = () => {
  throw new Error(${JSON.stringify(EVENT_STREAMS_NOT_BUNDLED_MESSAGE)});
};
export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}
export const eventStreamSerdeProvider = () => ({ serialize: notBundled, deserialize: notBundled });
export const resolveEventStreamSerdeConfig = (input) =>
  Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });
`;

/**
 * An SDK client's runtime config imports its whole `package.json` (dependencies, scripts, ...) as
 * a default import, which esbuild cannot trim, for the version in the user agent. Only the version
 * is bundled.
 */
const sdkClientVersions: Plugin = {
  name: "sdk-client-versions",
  setup(plugin) {
    plugin.onLoad(
      { filter: /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ },
      async (args) => {
        const { version } = JSON.parse(await readFile(args.path, "utf8")) as { version: string };
        return { contents: JSON.stringify({ version }), loader: "json" };
      },
    );
  },
};

/** A module-level `const _name = "text";`, as the SDK's generated schema modules declare names. */
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
/** An object key computed from an identifier: `{ [_name]: value }`. */
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * Replaces object keys computed from a module's string constants by the strings themselves:
 * `{ [_h]: x }` with `const _h = "http";` becomes `{ "http": x }`. The same object, but one esbuild
 * can see has no side effects. Keys computed from anything else are left alone.
 */
export function inlineConstantKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) {
    constants.set(name, literal);
  }
  return source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}

/**
 * An SDK client's schemas (one module with every shape of the service) key their trait objects
 * with constants. esbuild keeps any object literal with a computed key, since computing a key can
 * run code, and with those the shapes they point at: the archiver carried all of S3's shapes for
 * its one PutObject. With the keys inlined, only the shapes the bundled commands reach remain.
 */
const treeShakableSchemas: Plugin = {
  name: "tree-shakable-schemas",
  setup(plugin) {
    plugin.onLoad(
      {
        filter:
          /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/,
      },
      async (args) => ({
        contents: inlineConstantKeys(await readFile(args.path, "utf8")),
        loader: "js",
      }),
    );
  },
};

export interface BuildOptions {
  /** The functions to build. @default - every function, {@link FUNCTION_NAMES} */
  readonly functions?: readonly FunctionName[];
  /** Where the function directories go. @default - `dist/functions` in the repository */
  readonly outDir?: string;
  /** Where esbuild's metafiles go. @default - `dist/meta` in the repository */
  readonly metaDir?: string;
}

/** What one bundle contains, largest packages first. */
export interface BundleInput {
  /** An npm package (`@aws-sdk/client-dynamodb`) or `functions` for this repository's code. */
  readonly source: string;
  readonly bytes: number;
}

export interface BundleReport {
  readonly name: FunctionName;
  readonly entryPoint: string;
  /** Absolute path of `index.js`. */
  readonly outfile: string;
  /** Size of `index.js` in bytes. */
  readonly bytes: number;
  /** Size of `index.js` gzip-compressed, roughly what the deployment package adds. */
  readonly gzipBytes: number;
  readonly sourcemap: string;
  /** esbuild's metafile (inputs, imports, output composition), for `esbuild --analyze`-style reading. */
  readonly metafile: string;
  /** Source files bundled. */
  readonly inputFiles: number;
  readonly largestInputs: readonly BundleInput[];
}

function sourceOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return match === null ? path.split("/")[0] : match[1];
}

function composition(metafile: Metafile, outfile: string): BundleInput[] {
  const output =
    metafile.outputs[relative(process.cwd(), outfile)] ??
    Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  const bySource = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const source = sourceOf(path);
    bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
  }
  return [...bySource]
    .map(([source, bytes]) => ({ source, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

/**
 * Builds each function's bundle (every function unless `options.functions` names some); returns
 * one report per function. The other functions' directories are left as they are.
 */
export async function buildFunctions(options: BuildOptions = {}): Promise<BundleReport[]> {
  const outDir = options.outDir ?? join(ROOT, "dist", "functions");
  const metaDir = options.metaDir ?? join(ROOT, "dist", "meta");
  const names = FUNCTION_NAMES.filter(
    (name) => options.functions === undefined || options.functions.includes(name),
  );
  await mkdir(metaDir, { recursive: true });
  return Promise.all(
    names.map(async (name): Promise<BundleReport> => {
      const entryPoint = join(ROOT, "functions", name, "handler.ts");
      const directory = join(outDir, name);
      const outfile = join(directory, "index.js");
      // Stale files would otherwise be deployed with the function.
      await rm(directory, { recursive: true, force: true });
      const result = await build({
        entryPoints: [entryPoint],
        outfile,
        bundle: true,
        platform: "node",
        target: "node24",
        format: "cjs",
        // ESM builds of the AWS SDK and Powertools tree-shake far better than their CommonJS ones.
        mainFields: ["module", "main"],
        // The SDK loads node:http lazily with import(); as require() it stays within CommonJS,
        // which also runs in test sandboxes that have no ES module loader.
        supported: { "dynamic-import": false },
        minify: true,
        sourcemap: "linked",
        sourcesContent: false,
        legalComments: "none",
        metafile: true,
        logLevel: "warning",
        absWorkingDir: ROOT,
        plugins: [lambdaCredentials, treeShakableSchemas, withoutEventStreams, sdkClientVersions],
      });
      const metafile = join(metaDir, `${name}.json`);
      await writeFile(metafile, JSON.stringify(result.metafile));
      const code = readFileSync(outfile);
      const outputKey = relative(ROOT, outfile);
      const inputs = result.metafile.outputs[outputKey]?.inputs ?? {};
      return {
        name,
        entryPoint,
        outfile,
        bytes: code.length,
        gzipBytes: gzipSync(code).length,
        sourcemap: `${outfile}.map`,
        metafile,
        inputFiles: Object.keys(inputs).length,
        largestInputs: composition(result.metafile, outputKey),
      };
    }),
  );
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** The bundle sizes as a table for the terminal. */
export function formatBundleReports(reports: readonly BundleReport[]): string {
  const rows = reports.map((report) => [
    report.name,
    kb(report.bytes),
    kb(report.gzipBytes),
    String(report.inputFiles),
    report.largestInputs
      .slice(0, 3)
      .map((input) => `${input.source} ${kb(input.bytes)}`)
      .join(", "),
  ]);
  const header = ["function", "index.js", "gzip", "files", "largest parts"];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i].length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]),
      )
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export interface BuildCliOptions {
  readonly functions: readonly FunctionName[];
  readonly outDir: string;
  readonly metaDir: string;
  /** Print esbuild's analysis of each bundle's metafile: every input file by its bytes. */
  readonly analyze: boolean;
}

/** `npm run build`'s command line. */
export function buildCommand(io: CommandIo): Command {
  return createCommand(
    {
      script: "build",
      description:
        "Bundles each Lambda function with esbuild into dist/functions/<name>/index.js (minified CommonJS for nodejs24.x, with a linked source map), the directory the infrastructure zips and deploys. esbuild's metafiles go to dist/meta, outside what is deployed.",
      details:
        "Prints one row per bundle: its size, gzip size, the number of files bundled and the largest parts; --analyze adds esbuild's analysis of each metafile, every input file by its bytes in the bundle.",
      exitCodes: { ok: "every bundle built", problem: "a bundle failed to build" },
      examples: [
        "npm run build",
        "npm run build -- --function market-processor --analyze",
        "npm run build -- --function market-archiver --function analytics-api",
      ],
    },
    io,
  )
    .addOption(
      new Option("--function <name>", "build only this function; repeat for more (default: all)")
        .choices(FUNCTION_NAMES)
        .argParser(collect),
    )
    .addOption(
      new Option("--out-dir <dir>", "where the function directories go").default(
        relative(process.cwd(), join(ROOT, "dist", "functions")) || ".",
      ),
    )
    .addOption(
      new Option("--meta-dir <dir>", "where esbuild's metafiles go").default(
        relative(process.cwd(), join(ROOT, "dist", "meta")) || ".",
      ),
    )
    .addOption(new Option("--analyze", "print each bundle's input files by their bytes"));
}

export function parseBuildArgs(argv: readonly string[], io: CommandIo): Parsed<BuildCliOptions> {
  return parseCommand<BuildCliOptions>(buildCommand(io), argv, io, {
    validate: (values) => ({
      functions: (values.function as FunctionName[] | undefined) ?? [...FUNCTION_NAMES],
      outDir: resolve(values.outDir as string),
      metaDir: resolve(values.metaDir as string),
      analyze: values.analyze === true,
    }),
  });
}

/** `npm run build -- [options]`; resolves with the exit code. */
export async function buildCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseBuildArgs(argv, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  const { options } = parsed;
  return runAction(io, async () => {
    const started = Date.now();
    const reports = await buildFunctions({
      functions: [...new Set(options.functions)],
      outDir: options.outDir,
      metaDir: options.metaDir,
    });
    io.stdout(`${formatBundleReports(reports)}\n`);
    if (options.analyze) {
      for (const report of reports) {
        const metafile = JSON.parse(await readFile(report.metafile, "utf8")) as Metafile;
        io.stdout(`\n${report.name} (${relative(process.cwd(), report.metafile)}):`);
        io.stdout(await analyzeMetafile(metafile, { color: false }));
      }
    }
    const where = (directory: string): string => relative(process.cwd(), directory) || ".";
    io.stdout(
      `\nBuilt ${reports.length} ${reports.length === 1 ? "bundle" : "bundles"} into ${where(options.outDir)} in ${Date.now() - started} ms; metafiles in ${where(options.metaDir)}.\n`,
    );
    return EXIT_OK;
  });
}

if (require.main === module) {
  runMain(buildCli);
}
