/**
 * The rule coverage report: which rules the tests ran and what they answered, as JSON and as a
 * small HTML page (Firebase's rules coverage report is the model).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, extname, resolve } from 'node:path'

/** One rule in force and how often the tests ran it. */
export interface RuleCoverage {
  /** The rules key: a namespace, `$default` or `attrs`. */
  namespace: string
  /** `view`, `create`, `update`, `delete`, `$default`, `link.<label>`, `fields.<attr>`, … */
  action: string
  /** The rule's expression text. */
  rule: string
  evaluated: number
  allowed: number
  denied: number
  /** Runs where the rule threw (`permission-evaluation-failed`). */
  errors: number
}

/** Where `env.writeRuleCoverage(file)` wrote the report: absolute paths. */
export interface RuleCoverageFiles {
  json: string
  html: string
}

/** Writes `rows` to `file` (JSON) and beside it with `.html` (parent folders are created). */
export async function writeRuleCoverageReport(
  rows: readonly RuleCoverage[],
  file: string,
): Promise<RuleCoverageFiles> {
  const json = resolve(file)
  const html = extname(json) === '.json' ? `${json.slice(0, -5)}.html` : `${json}.html`
  await mkdir(dirname(json), { recursive: true })
  await writeFile(json, `${JSON.stringify({ rules: rows }, null, 2)}\n`)
  await writeFile(html, renderHtml(rows))
  return { json, html }
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The page: a summary line, then one row per rule, never-run rules marked. */
function renderHtml(rows: readonly RuleCoverage[]): string {
  const run = rows.filter((r) => r.evaluated > 0).length
  const body = rows
    .map((r) => {
      const state =
        r.evaluated === 0 ? 'never' : r.allowed > 0 && r.denied > 0 ? 'both' : 'one-sided'
      const cells = [
        `<td>${escape(r.namespace)}</td>`,
        `<td>${escape(r.action)}</td>`,
        `<td><code>${escape(r.rule)}</code></td>`,
        ...[r.evaluated, r.allowed, r.denied, r.errors].map((n) => `<td class="n">${n}</td>`),
      ]
      return `<tr class="${state}">${cells.join('')}</tr>`
    })
    .join('\n')
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Rule coverage</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.never { background: #fde2e2; }
tr.one-sided { background: #fff6d6; }
tr.both { background: #e3f6e3; }
</style>
<h1>Rule coverage</h1>
<p>${run} of ${rows.length} rules evaluated. Red: never evaluated; yellow: only allowed or only denied; green: both.</p>
<table>
<thead><tr><th>namespace</th><th>action</th><th>rule</th><th>evaluated</th><th>allowed</th><th>denied</th><th>errors</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</html>
`
}
