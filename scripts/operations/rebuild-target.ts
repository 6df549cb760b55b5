import type { Bar } from "../../functions/domain/bar";
import type { Tick } from "../../functions/domain/tick";
import type { PageAddress } from "../../functions/domain/trade-set";
import type { StoredBar } from "../../functions/shared/bar-codec";

/**
 * What a bar rebuild works with: the bar the archive gives (`RebuildTarget`), the table's bar as
 * read (`TableBarState`), what became of it (`RebuildOutcome`), and whether two bars agree.
 * The writer that applies them is in `bar-rebuild.ts`.
 */

export interface RebuildTarget {
  readonly symbol: string;
  /** Minute start, epoch ms. */
  readonly start: number;
  /** The bar the archive gives, `undefined` when the archive has no trade for it. */
  readonly bar: Bar | undefined;
  /** Its distinct trades. */
  readonly trades: readonly Tick[];
}

export type RebuildOutcome =
  | { readonly status: "unchanged" }
  | {
      readonly status: "written";
      /** The stored bar was replaced (`false`: there was none). */
      readonly replaced: boolean;
      readonly layout: "inline" | "paged";
      readonly pagesWritten: number;
      readonly oldPagesDeleted: number;
      readonly conflicts: number;
    }
  | { readonly status: "deleted"; readonly conflicts: number }
  | { readonly status: "skipped"; readonly reason: string }
  | { readonly status: "failed"; readonly reason: string };

/** A bar item as read: decoded, or present but not decodable (an earlier layout, a damaged item). */
export type TableBarState =
  | { readonly kind: "absent" }
  | {
      readonly kind: "stored";
      readonly stored: StoredBar;
      readonly ids: ReadonlySet<string>;
      /** Pages of a large set, to delete once the item has moved to a new set. */
      readonly pages: readonly { setId: string; page: PageAddress }[];
    }
  | { readonly kind: "undecodable"; readonly version: number | null; readonly reason: string };

/** Whether two bars have the same values (the same fold of trades). */
export function sameBar(a: Bar, b: Bar): boolean {
  return (
    a.symbol === b.symbol &&
    a.start === b.start &&
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.openOrder.ts === b.openOrder.ts &&
    a.openOrder.tradeId === b.openOrder.tradeId &&
    a.closeOrder.ts === b.closeOrder.ts &&
    a.closeOrder.tradeId === b.closeOrder.tradeId &&
    a.volume === b.volume &&
    a.notional === b.notional &&
    a.trades === b.trades &&
    a.firstTradeAt === b.firstTradeAt &&
    a.lastTradeAt === b.lastTradeAt
  );
}
