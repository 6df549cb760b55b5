import { Command } from "commander";

import type { CommandIo } from "./program";
import { npmInvocation } from "./program-npm";

/**
 * A command's `--help`: usage, description, options with their defaults, what it prints, exit codes
 * and examples, wrapped to the help's width.
 */

/** What a command's `--help` says besides its options. */
export interface CommandSpec {
  /** The npm script that runs the command: `start`, `bench`, `redrive`. */
  readonly script: string;
  /** What the command does, one paragraph. */
  readonly description: string;
  /** The arguments after `npm run <script> --`. @default "[options]" */
  readonly usage?: string;
  /** What the command prints, and anything else to know; paragraphs separated by blank lines. */
  readonly details?: string;
  /** What exit codes 0 and 1 mean for this command (2 is always bad usage). */
  readonly exitCodes: { readonly ok: string; readonly problem: string };
  /** Whole command lines, the first the most common. */
  readonly examples: readonly string[];
}

const HELP_WIDTH = 100;

/** Wraps each paragraph (lines separated by a blank line) to `width` columns. */
export function wrapParagraphs(text: string, width = HELP_WIDTH): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((paragraph) => {
      const lines: string[] = [];
      let line = "";
      for (const word of paragraph.split(/\s+/).filter((w) => w.length > 0)) {
        if (line !== "" && line.length + 1 + word.length > width) {
          lines.push(line);
          line = word;
        } else {
          line = line === "" ? word : `${line} ${word}`;
        }
      }
      lines.push(line);
      return lines.join("\n");
    })
    .join("\n\n");
}

const USAGE_EXIT = "2 bad usage (an unknown option, a missing one or a bad value)";

/**
 * A command with its help (usage, description, options with their defaults, what it prints, exit
 * codes and examples), output routed to `io`, and errors thrown instead of exiting, so
 * {@link parseCommand} can map them to exit codes.
 */
export function createCommand(spec: CommandSpec, io: CommandIo): Command {
  const after = [
    spec.details === undefined ? undefined : wrapParagraphs(spec.details),
    wrapParagraphs(
      `Exit codes: 0 ${spec.exitCodes.ok}; 1 ${spec.exitCodes.problem}; ${USAGE_EXIT}.`,
    ),
    `${spec.examples.length === 1 ? "Example" : "Examples"}:\n${spec.examples.map((example) => `  ${example}`).join("\n")}`,
  ].filter((part): part is string => part !== undefined);
  return new Command(`${npmInvocation(spec.script)} --`)
    .description(spec.description)
    .usage(spec.usage ?? "[options]")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(text),
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
    })
    .configureHelp({ helpWidth: HELP_WIDTH })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .helpOption("-h, --help", "show this help and exit")
    .addHelpText("after", `\n${after.join("\n\n")}`);
}
