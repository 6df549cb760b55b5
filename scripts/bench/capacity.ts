/**
 * DynamoDB capacity units of requests seen on the wire, by the billing rules of the DynamoDB
 * developer guide ("Read/write capacity unit consumption" and "Item sizes and formats"), not by
 * what a local emulator reports: DynamoDB Local, for one, bills a transaction like plain writes.
 *
 * - Item size: attribute names in UTF-8 bytes, plus values: strings in UTF-8 bytes, binary in
 *   bytes, numbers 1 byte per 2 significant digits plus 1.
 * - Strongly consistent read: 1 unit per 4 KB of each item, rounded up per item; a key without an
 *   item still costs 1 unit. BatchGetItem bills each item as its own GetItem.
 * - Write: 1 unit per KB of the item, rounded up; 2 inside TransactWriteItems. DynamoDB bills the
 *   larger of the item before and after; the wire shows only the item written, which is the larger
 *   one here (bar items and pages only grow, and a split page is deleted whole).
 * - A conditional write whose condition fails still consumes its write units.
 */

/** An attribute value as DynamoDB's JSON wire format carries it (binary as base64). */
export type WireAttributeValue = {
  readonly S?: string;
  readonly N?: string;
  readonly B?: string;
  readonly BOOL?: boolean;
  readonly NULL?: boolean;
  readonly M?: Record<string, WireAttributeValue>;
  readonly L?: readonly WireAttributeValue[];
};

export type WireItem = Record<string, WireAttributeValue>;

function valueSize(value: WireAttributeValue): number {
  if (value.S !== undefined) {
    return Buffer.byteLength(value.S);
  }
  if (value.N !== undefined) {
    const digits = value.N.replace(/^-/, "")
      .replace(/e.*$/i, "")
      .replace(".", "")
      .replace(/^0+/, "")
      .replace(/0+$/, "").length;
    return Math.ceil(Math.max(digits, 1) / 2) + 1;
  }
  if (value.B !== undefined) {
    return Buffer.from(value.B, "base64").length;
  }
  if (value.M !== undefined) {
    return 3 + itemSize(value.M) + Object.keys(value.M).length;
  }
  if (value.L !== undefined) {
    return 3 + value.L.reduce((sum, element) => sum + valueSize(element) + 1, 0);
  }
  return 1;
}

/** The size DynamoDB bills for an item, in bytes. */
export function itemSize(item: WireItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name) + valueSize(value);
  }
  return size;
}

export const readUnits = (item: WireItem | undefined): number =>
  item === undefined ? 1 : Math.max(1, Math.ceil(itemSize(item) / 4096));

export const writeUnits = (item: WireItem): number => Math.max(1, Math.ceil(itemSize(item) / 1024));

export interface Capacity {
  readonly readUnits: number;
  readonly writeUnits: number;
}

interface RequestBody {
  readonly Item?: WireItem;
  readonly RequestItems?: Record<string, { readonly Keys?: readonly WireItem[] }>;
  readonly TransactItems?: readonly {
    readonly Put?: { readonly Item: WireItem };
    readonly Delete?: unknown;
    readonly ConditionCheck?: unknown;
    readonly Update?: unknown;
  }[];
}

interface ResponseBody {
  readonly Item?: WireItem;
  readonly Responses?: Record<string, readonly WireItem[]>;
  readonly UnprocessedKeys?: Record<string, { readonly Keys?: readonly WireItem[] }>;
  readonly __type?: string;
}

/** The capacity one request/response pair consumed, by the rules above. */
export function capacityOf(
  operation: string,
  status: number,
  request: RequestBody,
  response: ResponseBody,
): Capacity {
  const ok = status >= 200 && status < 300;
  const conditionFailed = response.__type?.endsWith("ConditionalCheckFailedException") === true;
  switch (operation) {
    case "GetItem":
      return { readUnits: ok ? readUnits(response.Item) : 0, writeUnits: 0 };
    case "BatchGetItem": {
      if (!ok) {
        return { readUnits: 0, writeUnits: 0 };
      }
      let units = 0;
      for (const [table, { Keys = [] }] of Object.entries(request.RequestItems ?? {})) {
        const items = response.Responses?.[table] ?? [];
        const unprocessed = response.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
        units += items.reduce((sum, item) => sum + readUnits(item), 0);
        units += Keys.length - items.length - unprocessed;
      }
      return { readUnits: units, writeUnits: 0 };
    }
    case "PutItem":
      return {
        readUnits: 0,
        writeUnits: (ok || conditionFailed) && request.Item ? writeUnits(request.Item) : 0,
      };
    case "TransactWriteItems": {
      if (!ok) {
        return { readUnits: 0, writeUnits: 0 };
      }
      let units = 0;
      for (const action of request.TransactItems ?? []) {
        // A deleted page is at most 1 KB (see PAGE_MAX_BYTES); a condition check reads 1 KB.
        units += 2 * (action.Put ? writeUnits(action.Put.Item) : 1);
      }
      return { readUnits: 0, writeUnits: units };
    }
    default:
      return { readUnits: 0, writeUnits: 0 };
  }
}
