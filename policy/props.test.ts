import { isUnknownValueError, tagsOf } from "./props";

/** Stands in for the policy host's error on reading a value that is unknown during a preview. */
class UnknownValueError extends Error {}

function withUnknown(props: Record<string, unknown>, key: string): Record<string, unknown> {
  return new Proxy(props, {
    get: (target, property) => {
      if (property === key) {
        throw new UnknownValueError(`string value at .${key} can't be known during preview`);
      }
      return target[property as string];
    },
  });
}

describe("tagsOf", () => {
  it("overlays the resource's own tags on tagsAll and keeps only strings", () => {
    expect(
      tagsOf({
        tagsAll: { Environment: "dev", Owner: "platform", Count: 3 },
        tags: { Environment: "staging" },
      }),
    ).toEqual({ Environment: "staging", Owner: "platform" });
    expect(tagsOf({})).toEqual({});
  });

  it("uses the resource's own tags when tagsAll is unknown during a preview", () => {
    const props = withUnknown({ tags: { Service: "market-data" } }, "tagsAll");
    expect(tagsOf(props)).toEqual({ Service: "market-data" });
  });

  it("lets an unknown own tag end the rule, as the host expects", () => {
    const props = withUnknown({ tagsAll: { Service: "x" } }, "tags");
    expect(() => tagsOf(props)).toThrow("string value at .tags can't be known during preview");
  });

  it("does not mistake other errors for unknown values", () => {
    const props = new Proxy(
      {},
      {
        get: () => {
          throw new TypeError("broken");
        },
      },
    );
    expect(() => tagsOf(props)).toThrow("broken");
    expect(isUnknownValueError(new UnknownValueError("x"))).toBe(true);
    expect(isUnknownValueError(new Error("x"))).toBe(false);
    expect(isUnknownValueError("x")).toBe(false);
  });
});
