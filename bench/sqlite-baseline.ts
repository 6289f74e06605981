/**
 * The baseline of bench/store1m.ts's listing: a plain node:sqlite script that reads every peer row,
 * most recently seen first, and prints one line per row (what the sqlite3 shell would do).
 * `node bench/sqlite-baseline.ts FILE.db`
 */
import { DatabaseSync } from 'node:sqlite'

const db = new DatabaseSync(process.argv[2] ?? '', { readOnly: true })
let lines: string[] = []
for (const row of db.prepare('SELECT * FROM peers ORDER BY last_seen DESC').iterate() as Iterable<
  Record<string, unknown>
>) {
  lines.push(Object.values(row).join('|'))
  if (lines.length === 256) {
    if (!process.stdout.write(`${lines.join('\n')}\n`))
      await new Promise((resolve) => process.stdout.once('drain', resolve))
    lines = []
  }
}
process.stdout.write(lines.length ? `${lines.join('\n')}\n` : '')
db.close()
