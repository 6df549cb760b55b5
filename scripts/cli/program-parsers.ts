import { InvalidArgumentError } from "commander";

/** Parsers of option values that make a bad value bad usage (exit 2), and wording helpers for output. */

/** A parser for whole numbers in [min, max], naming the range when the value is outside it. */
export function integerIn(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    }
    return value;
  };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A parser for numbers in [min, max] (whole ones if `integer`), naming the range and an example. */
export function numberIn(
  min: number,
  max: number,
  { integer = false, example }: { readonly integer?: boolean; readonly example: string },
): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (
      !DECIMAL.test(text.trim()) ||
      !Number.isFinite(value) ||
      (integer && !Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      throw new InvalidArgumentError(
        `Expected ${integer ? "a whole number" : "a number"} from ${min} to ${max}, e.g. ${example}.`,
      );
    }
    return value;
  };
}

/**
 * An option's parser from a function that throws an `Error` naming what is wrong, so that a bad
 * value is bad usage (exit 2) with that message.
 */
export function checked<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

/** A parser that collects every value of a repeatable option (`--function a --function b`). */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `1 bar`, `2 bars`: a count and its noun (`plural` when adding "s" does not make it). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
