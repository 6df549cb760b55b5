import { InvalidArgumentError, type Option } from "commander";

/**
 * Hints for a mistyped choice (`--env prod`): the choice it was most likely meant to be, named in
 * the option's error.
 */

/** Words commonly typed for a choice, by the choice they mean. */
const CHOICE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  production: ["prod", "prd", "live"],
  staging: ["stage", "stg", "staged"],
  dev: ["development", "develop", "devel"],
  markdown: ["md", "gfm"],
  text: ["txt", "plain", "table"],
  json: ["js"],
};

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

/** The choice `value` was most likely meant to be: `prod` -> `production`, `Dev` -> `dev`. */
export function suggestChoice(value: string, choices: readonly string[]): string | undefined {
  const typed = value.trim().toLowerCase();
  if (typed === "") {
    return undefined;
  }
  const exact = choices.find((choice) => choice.toLowerCase() === typed);
  if (exact !== undefined) {
    return exact;
  }
  const alias = choices.find((choice) => CHOICE_ALIASES[choice]?.includes(typed));
  if (alias !== undefined) {
    return alias;
  }
  const prefixed = choices.filter((choice) => choice.toLowerCase().startsWith(typed));
  if (prefixed.length === 1) {
    return prefixed[0];
  }
  const containing = choices.filter((choice) => choice.toLowerCase().includes(typed));
  if (typed.length >= 3 && containing.length === 1) {
    return containing[0];
  }
  const ranked = choices
    .map((choice) => ({ choice, distance: editDistance(typed, choice.toLowerCase()) }))
    .filter(({ choice, distance }) => distance <= Math.max(1, Math.floor(choice.length / 3)))
    .sort((a, b) => a.distance - b.distance);
  return ranked.length > 0 && ranked[0].distance < (ranked[1]?.distance ?? Infinity)
    ? ranked[0].choice
    : undefined;
}

/**
 * Makes an option's choices name the likely one: `--env prod` answers "Allowed choices are dev,
 * staging, production. Did you mean production?". Keeps the option's own parser (a repeatable
 * option collects its values) after checking the choice.
 */
export function suggestChoices(option: Option): void {
  const choices = option.argChoices;
  if (choices === undefined) {
    return;
  }
  const parse = option.parseArg;
  option.parseArg = <T>(value: string, previous: T): T => {
    if (!choices.includes(value)) {
      const suggestion = suggestChoice(value, choices);
      throw new InvalidArgumentError(
        `Allowed choices are ${choices.join(", ")}.${suggestion === undefined ? "" : ` Did you mean ${suggestion}?`}`,
      );
    }
    return parse === undefined ? (value as T) : parse(value, previous);
  };
}
