/**
 * GitHub's filter patterns for `branches`, `tags` and `paths`, as "Workflow syntax for GitHub
 * Actions" documents them (section "Filter pattern cheat sheet"), so tests can tell which pushes
 * start a workflow:
 *
 * - `*` matches zero or more characters, but not `/`;
 * - `**` matches zero or more of any character (and `**` followed by `/` may match no directory at
 *   all: `docs/**\/*.md` matches `docs/README.md`);
 * - `?` matches zero or one of the preceding character, `+` one or more of it;
 * - `[]` matches one character listed or in a range (`a-z`, `A-Z`, `0-9`);
 * - `!` at the start of a pattern negates it; patterns apply in order and the last one that
 *   matches a path decides whether it is in;
 * - `\` escapes the next character.
 *
 * It is written from the documentation alone, and tests/github-paths.test.ts checks it against
 * every example the cheat sheet gives.
 */

function escapeRegExp(character: string): string {
  return character.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The regular expression for one pattern (without its leading `!`), anchored at both ends. */
export function filterPatternRegExp(pattern: string): RegExp {
  let source = "";
  /** Whether the last piece of `source` is one character (or class) that `?` and `+` may follow. */
  let lastIsCharacter = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const character = pattern[i];
    if (character === "*" && pattern[i + 1] === "*") {
      if (pattern[i + 2] === "/") {
        source += "(?:.*/)?";
        i += 2;
      } else {
        source += ".*";
        i += 1;
      }
      lastIsCharacter = false;
    } else if (character === "*") {
      source += "[^/]*";
      lastIsCharacter = false;
    } else if (character === "?" || character === "+") {
      if (!lastIsCharacter) {
        throw new Error(`"${character}" in ${pattern} follows no character it could repeat`);
      }
      source += character;
      lastIsCharacter = false;
    } else if (character === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) {
        throw new Error(`Unclosed [ in ${pattern}`);
      }
      const set = pattern.slice(i + 1, end);
      if (!/^([A-Za-z0-9]-[A-Za-z0-9]|[A-Za-z0-9._-])+$/.test(set)) {
        throw new Error(`Unsupported character set [${set}] in ${pattern}`);
      }
      source += `[${set.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
      lastIsCharacter = true;
    } else if (character === "\\" && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[i + 1]);
      i += 1;
      lastIsCharacter = true;
    } else {
      source += escapeRegExp(character);
      lastIsCharacter = true;
    }
  }
  return new RegExp(`^${source}$`);
}

/** Whether the patterns, applied in order with `!` negations, take `path` in. */
export function matchesFilter(patterns: readonly string[], path: string): boolean {
  let included = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    if (filterPatternRegExp(negated ? pattern.slice(1) : pattern).test(path)) {
      included = !negated;
    }
  }
  return included;
}

/** `paths`: the workflow runs if at least one changed path is taken in. */
export function pathsFilterRuns(patterns: readonly string[], changed: readonly string[]): boolean {
  return changed.some((path) => matchesFilter(patterns, path));
}

/** `paths-ignore`: the workflow runs unless every changed path is taken in. */
export function pathsIgnoreFilterRuns(
  patterns: readonly string[],
  changed: readonly string[],
): boolean {
  return changed.some((path) => !matchesFilter(patterns, path));
}

export interface PushFilter {
  readonly branches?: readonly string[];
  readonly tags?: readonly string[];
  readonly paths?: readonly string[];
  readonly "paths-ignore"?: readonly string[];
}

/**
 * Whether a push of `ref` changing `changed` starts a workflow with this `on.push`: the branch or
 * tag must pass its filter (a filter for only branches skips tag pushes, and the other way round),
 * and for a branch also the path filter. "Path filters are not evaluated for pushes of tags."
 */
export function pushRuns(filter: PushFilter, ref: string, changed: readonly string[]): boolean {
  const tag = /^refs\/tags\/(.+)$/.exec(ref);
  const branch = /^refs\/heads\/(.+)$/.exec(ref);
  if (tag !== null) {
    if (filter.tags === undefined) {
      return filter.branches === undefined;
    }
    return matchesFilter(filter.tags, tag[1]);
  }
  if (branch === null) {
    throw new Error(`Not a branch or tag ref: ${ref}`);
  }
  if (
    filter.branches === undefined
      ? filter.tags !== undefined
      : !matchesFilter(filter.branches, branch[1])
  ) {
    return false;
  }
  if (filter.paths !== undefined) {
    return pathsFilterRuns(filter.paths, changed);
  }
  if (filter["paths-ignore"] !== undefined) {
    return pathsIgnoreFilterRuns(filter["paths-ignore"], changed);
  }
  return true;
}
