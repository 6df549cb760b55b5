/** The HTML run report's inline stylesheet. */
export const STYLE = `
:root { color-scheme: light; --fg: #1d232a; --muted: #5b6673; --line: #d9dee4; --grid: #eceff3;
  --up: #1a7f4b; --down: #c4372b; --accent: #2f6fdf; --bad: #b42318; --good: #1a7f4b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 20px 24px 48px; color: var(--fg); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 6px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta, .note { color: var(--muted); margin: 0 0 10px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow-x: auto;
  white-space: pre-wrap; }
.status { font-weight: 600; padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
.status p { margin: 0; }
.status.ok, .verdict.ok { color: var(--good); background: #e9f6ef; }
.status.failed, .verdict.failed { color: var(--bad); background: #fdecea; }
.verdict { display: inline-block; font-weight: 600; padding: 4px 10px; border-radius: 6px; margin: 4px 0 8px; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 12px 0; }
dl.figures div { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
dl.figures dt { color: var(--muted); font-size: 12px; }
dl.figures dd { margin: 2px 0 0; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
summary { cursor: pointer; color: var(--muted); margin: 6px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
figcaption { margin-bottom: 4px; color: var(--muted); }
figure.chart details { overflow-x: auto; }
figcaption strong { color: var(--fg); font-size: 15px; margin-right: 6px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .grid { stroke: var(--grid); }
svg .baseline { stroke: var(--line); }
.candle .wick { stroke-width: 1.5; }
.candle.up .wick { stroke: var(--up); } .candle.up .body { fill: var(--up); }
.candle.down .wick { stroke: var(--down); } .candle.down .body { fill: var(--down); }
.candle .volume { fill: #9fb0c3; }
.candle:hover .body { stroke: var(--fg); stroke-width: 1; } .candle:hover .volume { fill: var(--accent); }
.histogram .bin { fill: #7da2e8; } .histogram .bin:hover { fill: var(--accent); }
.marker line { stroke-width: 1.5; stroke-dasharray: 4 3; }
.marker.p50 line { stroke: var(--up); } .marker.p50 text { fill: var(--up); font-weight: 600; }
.marker.p99 line { stroke: var(--down); } .marker.p99 text { fill: var(--down); font-weight: 600; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px 0; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--grid); text-align: left; white-space: nowrap; }
thead th { color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); }
th[colspan] { text-align: center; }
td.num { text-align: right; }
td.differs, tr.differs th { color: var(--bad); font-weight: 600; }
tfoot th, tfoot td { border-top: 1px solid var(--line); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
`;
