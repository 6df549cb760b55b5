import type { CommandIo } from "./program";

/** A {@link CommandIo} that keeps what a command writes, for tests. */
export interface CapturedIo extends CommandIo {
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIo(
  env: NodeJS.ProcessEnv = {},
  now = Date.UTC(2026, 10, 27, 15, 0),
): CapturedIo {
  let out = "";
  let err = "";
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env,
    now: () => now,
    out: () => out,
    err: () => err,
  };
}
