/**
 * The page's HTML: a fixed shell in the report's look that loads the runs' data scripts and the
 * bundled page (page.js). No string from a run goes into it (names reach the page as data and are
 * set as text), and the policy allows scripts from the page's own origin only.
 */
export const VIEW_CSP =
  "default-src 'none'; script-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; worker-src blob:";

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:1rem auto;max-width:1400px;padding:0 1rem;color:#222}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin-top:1rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}.muted{color:#777}
#top{display:grid;grid-template-columns:minmax(320px,1fr) minmax(380px,1.2fr);gap:16px;align-items:start}
#controls label{margin-right:.8rem;white-space:nowrap}#controls .row{margin:.3rem 0}
#threshold{width:260px;vertical-align:middle}#curve svg{width:100%;height:auto;display:block}
#grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px;margin-top:1rem}
.card{border:1px solid #ddd;padding:5px;background:#fafafa;min-height:200px}.card:focus{outline:3px solid #1f77b4}
.card canvas{display:block;margin:0 auto;max-width:100%}.cap{font-size:12px;word-break:break-word;margin-top:4px}
.ok{color:#2a7a2a}.bad{color:#b22222}
#detail{position:fixed;inset:0;background:rgba(255,255,255,.97);overflow:auto;padding:1rem 2rem}
#detail .pair{display:flex;gap:16px;flex-wrap:wrap}#detail figure{margin:0;border:1px solid #ddd;padding:6px;background:#fafafa}
.key span{display:inline-block;width:14px;height:4px;margin:0 4px 3px 10px;vertical-align:middle}
`;

/** The page shell; `runs` are the data scripts' keys ('a', or 'a' and 'b'). */
export function viewPageHtml(runs: readonly ('a' | 'b')[]): string {
  const data = runs.map((k) => `<script src="data/${k}.js"></script>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${VIEW_CSP}">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">
<title>cam-localize view</title><style>${STYLE}</style></head>
<body>
<header><h1>cam-localize view</h1><p id="runs" class="muted">loading…</p></header>
<div id="top">
<section id="controls" aria-label="threshold and filters"></section>
<section id="figures" aria-label="figures"><table id="figure-table"></table><div id="curve"></div></section>
</div>
<p class="key muted">Boxes: <span style="background:#2ca02c"></span>ground truth <span style="background:#d62728"></span>GT-class CAM <span style="background:#ff7f0e"></span>top-1 class CAM (when it differs). Keys: arrows move between photos, Enter opens one, Escape closes; [ and ] move the threshold by 0.01.</p>
<div id="grid" role="list"></div>
<div id="detail" hidden></div>
${data}<script src="page.js"></script>
</body></html>
`;
}
