import fc from "fast-check";
import { SYMBOL_PATTERN, isSymbol } from "./symbol";

describe("isSymbol", () => {
  it.each([
    ["A", true],
    ["BRK.B", true],
    ["ES-M24", true],
    ["ABCDEFGHIJ12", true],
    ["", false],
    ["ABCDEFGHIJ123", false],
    ["aapl", false],
    ["AAPL ", false],
    ["AA_PL", false],
    ["AÄPL", false],
    ["A/B", false],
  ])("%p -> %p", (text, expected) => {
    expect(isSymbol(text)).toBe(expected);
    expect(SYMBOL_PATTERN.test(text)).toBe(expected);
  });

  it("accepts exactly what SYMBOL_PATTERN accepts", () => {
    const near = fc.string({
      unit: fc.constantFrom(..."AZ09.-az_ /:@[`{\u00c4\u0130".split("")),
      maxLength: 14,
    });
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 14 })), (text) => {
        expect(isSymbol(text)).toBe(SYMBOL_PATTERN.test(text));
      }),
      { numRuns: 3_000 },
    );
  });
});
