import { capacityOf, itemSize, readUnits, writeUnits } from "./capacity";

const b64 = (bytes: number): string => Buffer.alloc(bytes, 7).toString("base64");

describe("DynamoDB item size and capacity units by the documented rules", () => {
  it.each([
    ["a UTF-8 string: name and value bytes", { pk: { S: "BAR#AAPL" } }, 2 + 8],
    ["multi-byte characters count their UTF-8 bytes", { n: { S: "é€" } }, 1 + 5],
    ["binary counts raw bytes, not base64", { ids: { B: b64(300) } }, 3 + 300],
    ["a number: 1 byte per 2 significant digits, plus 1", { v: { N: "12345" } }, 1 + 3 + 1],
    ["leading and trailing zeros are not significant", { v: { N: "000120.500" } }, 1 + 2 + 1],
    ["a single digit", { v: { N: "7" } }, 1 + 1 + 1],
  ])("%s", (_, item, expected) => {
    expect(itemSize(item)).toBe(expected);
  });

  it("rounds reads up to 4 KB per item and writes to 1 KB, at and just past each boundary", () => {
    const sized = (bytes: number) => ({ x: { B: b64(bytes - 1) } });
    expect(itemSize(sized(4096))).toBe(4096);
    expect([readUnits(sized(4096)), readUnits(sized(4097))]).toEqual([1, 2]);
    expect([writeUnits(sized(1024)), writeUnits(sized(1025))]).toEqual([1, 2]);
    // A strongly consistent read of a key without an item still costs one unit.
    expect(readUnits(undefined)).toBe(1);
  });

  it("bills BatchGetItem per item, missing keys included, unprocessed keys not", () => {
    const keys = [1, 2, 3, 4].map((n) => ({ pk: { S: `k${n}` } }));
    const used = capacityOf(
      "BatchGetItem",
      200,
      { RequestItems: { t: { Keys: keys } } },
      {
        Responses: { t: [{ x: { B: b64(5000) } }] },
        UnprocessedKeys: { t: { Keys: [keys[3]] } },
      },
    );
    // 2 units for the 5 KB item, 1 for each of the two keys without an item.
    expect(used).toEqual({ readUnits: 4, writeUnits: 0 });
  });

  it("doubles writes inside a transaction and bills a failed condition on PutItem", () => {
    const item = { x: { B: b64(1500) } };
    expect(
      capacityOf(
        "TransactWriteItems",
        200,
        { TransactItems: [{ Put: { Item: item } }, { Delete: {} }] },
        {},
      ),
    ).toEqual({ readUnits: 0, writeUnits: 2 * 2 + 2 * 1 });
    expect(
      capacityOf(
        "PutItem",
        400,
        { Item: item },
        { __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" },
      ),
    ).toEqual({ readUnits: 0, writeUnits: 2 });
    expect(capacityOf("PutItem", 500, { Item: item }, {})).toEqual({ readUnits: 0, writeUnits: 0 });
  });
});
