/**
 * Evaluates the subset of GitHub Actions expressions the workflows use (`==`, `!=`, `&&`, `||`,
 * `!`, parentheses, string/number/boolean/null literals, context paths with object filters
 * (`labels.*.name`), `startsWith`, `contains`, `format`, `always`), with GitHub's semantics: `&&`/`||` return an operand, string comparison ignores case,
 * and `false`, `0`, `""` and `null` are falsy. Tests use it to run a job's `if:` against an event.
 */
export type Value =
  string | number | boolean | null | undefined | { [key: string]: unknown } | unknown[];

type Token =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "ident"; readonly value: string }
  | { readonly kind: "op"; readonly value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'") {
      let value = "";
      i += 1;
      for (;;) {
        if (i >= source.length) {
          throw new Error(`Unterminated string in ${source}`);
        }
        if (source[i] === "'" && source[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (source[i] === "'") {
          i += 1;
          break;
        } else {
          value += source[i];
          i += 1;
        }
      }
      tokens.push({ kind: "string", value });
    } else if (/[0-9]/.test(ch)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i));
      tokens.push({ kind: "number", value: Number(match?.[0]) });
      i += match?.[0].length ?? 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i));
      tokens.push({ kind: "ident", value: match?.[0] ?? ch });
      i += match?.[0].length ?? 1;
    } else {
      const two = source.slice(i, i + 2);
      if (["==", "!=", "&&", "||", "<=", ">="].includes(two)) {
        tokens.push({ kind: "op", value: two });
        i += 2;
      } else if ("!().,[]<>*".includes(ch)) {
        tokens.push({ kind: "op", value: ch });
        i += 1;
      } else {
        throw new Error(`Unexpected "${ch}" in ${source}`);
      }
    }
  }
  return tokens;
}

export function truthy(value: Value): boolean {
  return !(
    value === false ||
    value === 0 ||
    value === "" ||
    value === null ||
    value === undefined ||
    Number.isNaN(value)
  );
}

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === "string" && typeof b === "string") {
    return a.toLowerCase() === b.toLowerCase();
  }
  if ((a === null || a === undefined) && (b === null || b === undefined)) {
    return true;
  }
  return a === b;
}

function lookup(object: Value, key: string): Value {
  if (object === null || object === undefined || typeof object !== "object") {
    return undefined;
  }
  if (Array.isArray(object)) {
    return object[Number(key)] as Value;
  }
  const record = object as Record<string, unknown>;
  const match = Object.keys(record).find((name) => name.toLowerCase() === key.toLowerCase());
  return match === undefined ? undefined : (record[match] as Value);
}

function toText(value: Value): string {
  if (value === null || value === undefined) {
    return "";
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  startswith: (a, b) => toText(a).toLowerCase().startsWith(toText(b).toLowerCase()),
  endswith: (a, b) => toText(a).toLowerCase().endsWith(toText(b).toLowerCase()),
  contains: (a, b) =>
    Array.isArray(a)
      ? a.some((item) => looseEquals(item as Value, b))
      : toText(a).toLowerCase().includes(toText(b).toLowerCase()),
  format: (template, ...args) =>
    toText(template).replace(/\{(\d+)\}/g, (_, index: string) => toText(args[Number(index)])),
  fromjson: (text) => JSON.parse(toText(text)) as Value,
  // A job's `if:` with always() runs whatever became of the jobs it needs.
  always: () => true,
};

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly context: Record<string, Value>,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.position !== this.tokens.length) {
      throw new Error(`Unexpected token ${JSON.stringify(this.tokens[this.position])}`);
    }
    return value;
  }

  private peek(value: string): boolean {
    const token = this.tokens[this.position];
    return token !== undefined && token.kind === "op" && token.value === value;
  }

  private expect(value: string): void {
    if (!this.peek(value)) {
      throw new Error(`Expected "${value}" at token ${this.position}`);
    }
    this.position += 1;
  }

  private or(): Value {
    let left = this.and();
    while (this.peek("||")) {
      this.position += 1;
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.equality();
    while (this.peek("&&")) {
      this.position += 1;
      const right = this.equality();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private equality(): Value {
    let left = this.unary();
    while (this.peek("==") || this.peek("!=")) {
      const negate = this.peek("!=");
      this.position += 1;
      const right = this.unary();
      left = negate ? !looseEquals(left, right) : looseEquals(left, right);
    }
    return left;
  }

  private unary(): Value {
    if (this.peek("!")) {
      this.position += 1;
      return !truthy(this.unary());
    }
    return this.primary();
  }

  private primary(): Value {
    const token = this.tokens[this.position];
    if (token === undefined) {
      throw new Error("Unexpected end of expression");
    }
    if (token.kind === "op" && token.value === "(") {
      this.position += 1;
      const value = this.or();
      this.expect(")");
      return value;
    }
    this.position += 1;
    if (token.kind === "string" || token.kind === "number") {
      return token.value;
    }
    if (token.kind !== "ident") {
      throw new Error(`Unexpected operator "${token.value}"`);
    }
    const name = token.value;
    if (name === "true" || name === "false") {
      return name === "true";
    }
    if (name === "null") {
      return null;
    }
    if (this.peek("(")) {
      this.position += 1;
      const args: Value[] = [];
      while (!this.peek(")")) {
        args.push(this.or());
        if (this.peek(",")) {
          this.position += 1;
        }
      }
      this.expect(")");
      const fn = FUNCTIONS[name.toLowerCase()];
      if (fn === undefined) {
        throw new Error(`Unsupported function ${name}`);
      }
      return fn(...args);
    }
    let value: Value = lookup(this.context, name);
    // After an object filter (`.*`), properties are read from every element.
    let filtered = false;
    for (;;) {
      if (this.peek(".")) {
        this.position += 1;
        if (this.peek("*")) {
          this.position += 1;
          value = Array.isArray(value)
            ? value
            : typeof value === "object" && value !== null
              ? Object.values(value)
              : [];
          filtered = true;
          continue;
        }
        const property = this.tokens[this.position];
        if (property === undefined || property.kind !== "ident") {
          throw new Error("Expected a property name after '.'");
        }
        this.position += 1;
        value = filtered
          ? (value as unknown[]).map((item) => lookup(item as Value, property.value))
          : lookup(value, property.value);
      } else if (this.peek("[")) {
        this.position += 1;
        const key = this.or();
        this.expect("]");
        value = lookup(value, toText(key));
      } else {
        return value;
      }
    }
  }
}

/** Evaluates `expression`, with or without the `${{ }}` wrapper. */
export function evaluate(expression: string, context: Record<string, Value>): Value {
  const trimmed = expression.trim();
  const inner = /^\$\{\{([\s\S]*)\}\}$/.exec(trimmed)?.[1] ?? trimmed;
  return new Parser(tokenize(inner), context).parse();
}

/**
 * Interpolates every `${{ }}` in a string, as GitHub does for a value that mixes text and
 * expressions; a value that is one whole expression keeps its type.
 */
export function interpolate(text: string, context: Record<string, Value>): Value {
  const whole = /^\s*\$\{\{([^}]*)\}\}\s*$/.exec(text);
  if (whole !== null) {
    return evaluate(whole[1], context);
  }
  return text.replace(/\$\{\{([^}]*)\}\}/g, (_, inner: string) => toText(evaluate(inner, context)));
}
