import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { inlineConstantKeys } from "./build-functions";

describe("inlineConstantKeys", () => {
  it("replaces keys computed from string constants by the strings", () => {
    const source = [
      'const _h = "http";',
      'const _e = "error";',
      'const _q = "say \\"hi\\"";',
      'export var A$ = [3, n0, _A, { [_h]: ["PUT", "/{Key+}", 200], [_e]: _c }, 0];',
      "export var B$ = [3, n0, _B, { [_q]: 1, [other]: 2, [_missing]: 3 }];",
    ].join("\n");
    expect(inlineConstantKeys(source)).toBe(
      [
        'const _h = "http";',
        'const _e = "error";',
        'const _q = "say \\"hi\\"";',
        'export var A$ = [3, n0, _A, { "http": ["PUT", "/{Key+}", 200], "error": _c }, 0];',
        'export var B$ = [3, n0, _B, { "say \\"hi\\"": 1, [other]: 2, [_missing]: 3 }];',
      ].join("\n"),
    );
  });

  it("leaves a module without string constants unchanged", () => {
    const source = "const _n = 42;\nexport var A = { [_n]: 1, [_x]: 2 };\n";
    expect(inlineConstantKeys(source)).toBe(source);
  });

  it("removes every computed key from the S3 client's schemas, which then evaluate the same", async () => {
    const path = join(
      __dirname,
      "..",
      "..",
      "node_modules",
      "@aws-sdk",
      "client-s3",
      "dist-es",
      "schemas",
      "schemas_0.js",
    );
    const source = await readFile(path, "utf8");
    const inlined = inlineConstantKeys(source);
    expect(source).toMatch(/\[_\w+\]:/);
    expect(inlined).not.toMatch(/\[_\w+\]:/);
    const traits = (text: string): unknown[] => {
      const objects: unknown[] = [];
      const constants = text.match(/^const _\w+ = "(?:[^"\\\n]|\\.)*";$/gm) ?? [];
      for (const object of text.match(/\{ (?:\[_\w+\]|"[^"]*"): [^{}]*\}/g) ?? []) {
        objects.push(runInNewContext(`${constants.join("\n")}\n(${object});`));
      }
      return objects;
    };
    const before = traits(source);
    expect(before.length).toBeGreaterThan(100);
    expect(traits(inlined)).toEqual(before);
  });
});
