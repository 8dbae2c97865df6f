import { type Finding, type Reporter, type RunResult, terminalSafe } from '@trustgate/core';
import { anchorOf, shortSubject } from './anchor.js';

/** Rows rendered per table; the rest is counted, and the JSON report has them all. */
const MAX_ROWS = 1000;

/** HTML-escaped, with control and bidi characters shown as escapes (`\x1b`, `\u202e`), as in every text output. */
const e = (s: unknown): string =>
  terminalSafe(String(s))
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

/**
 * One self-contained HTML file: no network, no external fonts or scripts. It
 * reads without JavaScript (the filters only enhance it), prints cleanly, and
 * never shows meaning by colour alone: every mark has a word or a number.
 */
export const html: Reporter = (result) => {
  const s = result.summary;
  const a = result.facts.adoption;
  const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${Math.round((100 * n) / d)}%`);
  const cards = [
    ['Errors', s.error, 'errors'],
    ['Warnings', s.warning, 'warnings'],
    ['Waived', s.waived, 'waived'],
    ['Indeterminate', s.indeterminate, 'indeterminate'],
    [
      'Packages with a trusted publisher',
      `${a.packages} of ${a.packagesTotal} (${pct(a.packages, a.packagesTotal)})`,
      'tp-packages',
    ],
    [
      'Publishing steps on trusted publishing',
      `${a.steps} of ${a.stepsTotal} (${pct(a.steps, a.stepsTotal)})`,
      'tp-steps',
    ],
  ];
  if (result.drift) {
    cards.unshift(
      ['New since the baseline', result.drift.new, 'new'],
      ['Fixed since the baseline', result.drift.fixed.length, 'fixed'],
    );
  }
  const rules = [...new Set(result.findings.map((f) => f.ruleId))].sort();
  const findings = [...result.findings].sort((x, y) => Number(y.drift === 'new') - Number(x.drift === 'new'));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trustgate report: ${e(result.policy.name)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>trustgate: npm publishing security</h1>
<p>Policy <strong>${e(result.policy.name)}</strong> (${e(result.policy.file)}), evaluated at ${e(result.now)} by trustgate ${e(result.tool.version)}.</p>
</header>
<main>
<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>
<ul class="cards">${cards.map(([label, value, id]) => `<li class="card" data-card="${id}"><span class="value">${e(value)}</span><span class="label">${e(label)}</span></li>`).join('')}</ul>
</section>
<section aria-labelledby="charts-h"><h2 id="charts-h">At a glance</h2>
<div class="charts">
<figure>${ageChart(result.facts.writeTokenAges)}<figcaption>Write tokens that can still be used, by age. Lines mark npm's 7-day default and 90-day limit.</figcaption></figure>
<figure>${tfaChart(result.facts.tfaMix)}<figcaption>Accounts by two-factor authentication.</figcaption></figure>
<figure>${expiryChart(result)}<figcaption>Exceptions by expiry date, from the evaluation time.</figcaption></figure>
</div>
</section>
<section aria-labelledby="findings-h"><h2 id="findings-h">Findings</h2>
<form class="filters" role="search" aria-label="Filter findings" hidden>
<label>Rule <select id="f-rule"><option value="">all</option>${rules.map((r) => `<option>${e(r)}</option>`).join('')}</select></label>
<label>Level <select id="f-level"><option value="">all</option><option>error</option><option>warning</option><option>note</option><option value="waived">waived</option></select></label>
<label>Subject <input id="f-subject" type="search" placeholder="token:, package:@acme/…"></label>
<output id="f-count" aria-live="polite"></output>
</form>
<table id="findings"><thead><tr><th scope="col">Level</th><th scope="col">Rule</th><th scope="col">Subject</th><th scope="col">Message</th><th scope="col">Where</th></tr></thead>
<tbody>${findings
    .slice(0, MAX_ROWS)
    .map((f) => findingRow(f, result))
    .join('')}</tbody></table>
${findings.length > MAX_ROWS ? `<p class="more">${findings.length - MAX_ROWS} more findings are in the JSON report.</p>` : ''}
${
  result.drift && result.drift.fixed.length > 0
    ? `<h3>Fixed since the baseline (${result.drift.fixed.length})</h3><ul>${result.drift.fixed
        .slice(0, MAX_ROWS)
        .map((f) => `<li>${e(f.ruleId)} <code>${e(shortSubject(f.subject))}</code></li>`)
        .join('')}</ul>`
    : ''
}
</section>
<section aria-labelledby="packages-h"><h2 id="packages-h">Packages</h2>
<table><thead><tr><th scope="col">Package</th><th scope="col">Trusted publisher</th><th scope="col">Provenance on latest</th><th scope="col">2FA / token setting</th><th scope="col">Maintainers</th></tr></thead>
<tbody>${result.facts.packages
    .slice(0, MAX_ROWS)
    .map(
      (p) =>
        `<tr><td>${e(p.id)}</td><td>${p.trustedPublisher === null ? 'unknown' : p.trustedPublisher === '' ? '<span class="bad">none</span>' : e(p.trustedPublisher)}</td><td>${p.provenance === null ? 'unknown' : p.provenance ? 'yes' : '<span class="bad">no</span>'}</td><td>${e(p.mfa === 'publish' ? 'require 2FA, disallow tokens' : (p.mfa ?? 'unknown'))}</td><td>${p.maintainers === null ? 'unknown' : e(p.maintainers.join(', '))}</td></tr>`,
    )
    .join('')}</tbody></table>
${result.facts.packages.length > MAX_ROWS ? `<p class="more">${result.facts.packages.length - MAX_ROWS} more packages are in the facts.</p>` : ''}
</section>
</main>
<footer><p>Counts: ${Object.entries(result.facts.counts)
    .map(([k, v]) => `${e(v)} ${e(k)}`)
    .join(
      ', ',
    )}. Sources: ${result.facts.sources.map((x) => `${e(x.collector)}${x.complete ? '' : ' (incomplete)'}`).join(', ')}.</p></footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
};

function findingRow(f: Finding, result: RunResult): string {
  const at = anchorOf(f, result);
  const level = f.exception ? 'waived' : f.level;
  const tags = [
    f.drift === 'new' ? 'new' : '',
    f.indeterminate ? 'indeterminate' : '',
    f.expiredException ? `exception expired ${f.expiredException.expires}` : '',
  ]
    .filter(Boolean)
    .map((t) => `<span class="tag">${e(t)}</span>`)
    .join(' ');
  const docs = f.helpUri ? `<a href="${e(f.helpUri)}">${e(f.ruleId)}</a>` : e(f.ruleId);
  return `<tr data-rule="${e(f.ruleId)}" data-level="${level}" data-subject="${e(f.subject)}"><td><span class="lvl lvl-${level}">${level}</span></td><td>${docs}</td><td><code title="${e(f.subject)}">${e(shortSubject(f.subject))}</code></td><td>${e(f.message)} ${tags}</td><td>${at.via === 'finding' ? `<code>${e(at.file)}:${at.line}</code>` : ''}</td></tr>`;
}

/** Histogram of write-token age in 10-day bins, with lines at 7 and 90 days. */
function ageChart(bins: number[]): string {
  const w = 420;
  const h = 160;
  let max = 1;
  for (const n of bins) if (n > max) max = n;
  const bw = w / bins.length;
  const x = (days: number) => (days / 410) * w;
  const bars = bins
    .map((n, i) => {
      const bh = (n / max) * (h - 30);
      return `<rect x="${(i * bw).toFixed(1)}" y="${(h - 20 - bh).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" class="bar"><title>${i * 10}${i === bins.length - 1 ? '+' : `–${i * 10 + 9}`} days: ${n}</title></rect>`;
    })
    .join('');
  const line = (days: number, label: string) =>
    `<line x1="${x(days)}" x2="${x(days)}" y1="0" y2="${h - 20}" class="limit"/><text x="${x(days) + 3}" y="12" class="small">${label}</text>`;
  const total = bins.reduce((p, n) => p + n, 0);
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="Histogram of write-token age: ${total} tokens">${bars}${line(7, '7 days')}${line(90, '90 days')}<text x="0" y="${h - 4}" class="small">0</text><text x="${x(200)}" y="${h - 4}" class="small">200 days</text><text x="${w - 40}" y="${h - 4}" class="small">400+</text></svg>`;
}

/** The 2FA mix as labelled bars: the label and the number carry the meaning, not the colour. */
function tfaChart(mix: RunResult['facts']['tfaMix']): string {
  const rows: [string, number, string][] = [
    ['WebAuthn', mix.webauthn, 'good'],
    ['TOTP', mix.totp, 'warn'],
    ['No 2FA', mix.none, 'bad'],
    ['Unknown', mix.unknown, 'unknown'],
  ];
  let max = 1;
  for (const [, n] of rows) if (n > max) max = n;
  const bars = rows
    .map(([label, n, cls], i) => {
      const y = 10 + i * 34;
      return `<text x="0" y="${y + 16}" class="small">${label}</text><rect x="90" y="${y}" width="${((n / max) * 280).toFixed(1)}" height="22" class="bar-${cls}"/><text x="${(96 + (n / max) * 280).toFixed(1)}" y="${y + 16}" class="small">${n}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 420 150" role="img" aria-label="Accounts by 2FA: ${rows.map(([l, n]) => `${l} ${n}`).join(', ')}">${bars}</svg>`;
}

/** Exceptions on a time axis from the evaluation time to the last expiry. */
function expiryChart(result: RunResult): string {
  const now = Date.parse(result.now);
  // As the tables: at most MAX_ROWS marks (the JSON report has every exception).
  const list = result.exceptions.slice(0, MAX_ROWS).map((x) => ({
    ...x,
    t: Date.parse(x.expires.length === 10 ? `${x.expires}T23:59:59Z` : x.expires),
  }));
  if (list.length === 0) return '<p>No exceptions.</p>';
  // Loops, not Math.max(...list): a policy may hold more exceptions than a call takes arguments.
  let end = now + 86_400_000 * 30;
  let start = now;
  for (const { t } of list) {
    if (t > end) end = t;
    if (t < start) start = t;
  }
  const w = 420;
  const x = (t: number) => 10 + ((t - start) / (end - start)) * (w - 20);
  const marks = list
    .map((ex, i) => {
      const cx = x(ex.t);
      // Labels near the right edge go to the left of their mark.
      const right = cx > w * 0.6;
      const label = `${e(ex.ticket ?? ex.rule)} (${ex.state}, ${e(ex.expires)})`;
      return `<circle cx="${cx.toFixed(1)}" cy="${40 + (i % 4) * 22}" r="6" class="dot-${ex.state}"><title>${e(ex.rule)} on ${e(ex.subject)}: ${ex.state}, ${e(ex.expires)}</title></circle><text x="${(right ? cx - 9 : cx + 9).toFixed(1)}" y="${44 + (i % 4) * 22}" class="small"${right ? ' text-anchor="end"' : ''}>${label}</text>`;
    })
    .join('');
  const more = result.exceptions.length - list.length;
  return `<svg viewBox="0 0 ${w} 140" role="img" aria-label="${result.exceptions.length} exceptions: ${list.map((ex) => `${ex.state} until ${e(ex.expires)}`).join('; ')}${more > 0 ? `; ${more} more` : ''}"><line x1="10" x2="${w - 10}" y1="20" y2="20" class="axis"/><line x1="${x(now)}" x2="${x(now)}" y1="10" y2="130" class="limit"/><text x="${x(now) + 3}" y="14" class="small">now</text>${marks}</svg>`;
}

const CSS = `
:root{color-scheme:light;--fg:#1b1f24;--muted:#4b5563;--line:#d0d7de;--bad:#b42318;--warn:#8a4b00;--good:#1a7f37;--accent:#0b57d0}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0 auto;max-width:1200px;padding:1rem 1.5rem;background:#fff}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.75rem;list-style:none;padding:0}
.card{border:1px solid var(--line);border-radius:8px;padding:.75rem}.card .value{display:block;font-size:1.6rem;font-weight:700}.card .label{color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem}figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:.5rem}
figcaption{color:var(--muted);font-size:.9rem}svg{width:100%;height:auto}.small{font-size:11px;fill:var(--fg)}
.bar{fill:#4a6fa5}.limit{stroke:var(--bad);stroke-dasharray:4 3}.axis{stroke:var(--muted)}
.bar-good{fill:var(--good)}.bar-warn{fill:#b26b00}.bar-bad{fill:var(--bad)}.bar-unknown{fill:#6b7280}
.dot-active{fill:var(--good)}.dot-expiring{fill:#b26b00}.dot-expired{fill:var(--bad)}.dot-stale{fill:#6b7280}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{font-size:.85em}a{color:var(--accent)}
.lvl{font-weight:600}.lvl-error{color:var(--bad)}.lvl-warning{color:var(--warn)}.lvl-note{color:var(--accent)}.lvl-waived{color:var(--muted)}
.lvl::before{content:""}.bad{color:var(--bad);font-weight:600}.tag{border:1px solid var(--line);border-radius:4px;padding:0 .3rem;font-size:.8em;color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:end;margin:.5rem 0}.more{color:var(--muted)}
@media print{.filters{display:none}a{color:inherit}body{max-width:none}}
`;

const SCRIPT = `(function(){var f=document.querySelector('.filters');if(!f)return;f.hidden=false;
var rows=[].slice.call(document.querySelectorAll('#findings tbody tr'));
var r=document.getElementById('f-rule'),l=document.getElementById('f-level'),s=document.getElementById('f-subject'),c=document.getElementById('f-count');
function apply(){var n=0,q=s.value.toLowerCase();rows.forEach(function(tr){var ok=(!r.value||tr.dataset.rule===r.value)&&(!l.value||tr.dataset.level===l.value)&&(!q||tr.dataset.subject.toLowerCase().indexOf(q)>=0);tr.hidden=!ok;if(ok)n++;});c.textContent=n+' of '+rows.length+' shown';}
[r,l,s].forEach(function(x){x.addEventListener('input',apply);});apply();})();`;
