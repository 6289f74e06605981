/**
 * Layers are checked, not hoped for (VS Code's layersChecker): src/ never imports electron or
 * renderer/; renderer/ imports nothing of src/ but the API contract's types; provenance and
 * defence never import the engine; provenance and the engine never import src/feeds, which uses
 * them, and src/feeds never imports the shells above it. Imports are read with the TypeScript
 * parser, so comments and strings cannot fool the check.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CONTRACT = 'src/api/contract.ts'

export interface ImportRecord {
  /** The module specifier as written. */
  specifier: string
  /** Project-relative path the specifier resolves to, for relative imports; null for packages. */
  target: string | null
  /** True when nothing of the import survives compilation (`import type`, `export type`, all specifiers type-only). */
  typeOnly: boolean
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true
    const clause = node.exportClause
    return (
      !!clause &&
      ts.isNamedExports(clause) &&
      clause.elements.length > 0 &&
      clause.elements.every((e) => e.isTypeOnly)
    )
  }
  const clause = node.importClause
  if (!clause) return false // a side-effect import runs the module
  if (clause.isTypeOnly) return true
  if (clause.name) return false
  const bindings = clause.namedBindings
  return (
    !!bindings &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  )
}

/** Every static import, re-export, dynamic import() and require() of one file. */
export function importsOf(file: string, source: string): ImportRecord[] {
  const parsed = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)
  const records: ImportRecord[] = []
  const add = (specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith('.')
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))
      : null
    records.push({ specifier, target, typeOnly })
  }
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text, isTypeOnly(node))
    } else if (ts.isCallExpression(node)) {
      const [argument] = node.arguments
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require'
      if ((isDynamicImport || isRequire) && argument && ts.isStringLiteralLike(argument))
        add(argument.text, false)
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true)
    }
    ts.forEachChild(node, visit)
  }
  visit(parsed)
  return records
}

const within = (target: string | null, dir: string) =>
  target !== null && (target === dir || target.startsWith(`${dir}/`))
/** src/feeds uses provenance and the engine's DHT; these never import it. */
const LOWER_THAN_FEEDS = ['src/provenance', 'src/engine', 'src/defence', 'src/reputation']
/** The shells that use src/feeds. */
const FEED_USERS = ['src/api', 'src/cli', 'src/server']
const isElectron = (specifier: string) => specifier === 'electron' || specifier.startsWith('electron/')

/** The layer rules; each violation names the file, the import and the rule. */
export function layerViolations(file: string, imports: ImportRecord[]): string[] {
  const violations: string[] = []
  for (const record of imports) {
    const where = `${file} imports '${record.specifier}'`
    if (within(file, 'src')) {
      if (isElectron(record.specifier)) violations.push(`${where}: src/ must not import electron`)
      if (within(record.target, 'electron')) violations.push(`${where}: src/ must not import electron/`)
      if (within(record.target, 'renderer')) violations.push(`${where}: src/ must not import renderer/`)
    }
    if (within(file, 'src/provenance') || within(file, 'src/defence')) {
      if (within(record.target, 'src/engine'))
        violations.push(`${where}: provenance and defence must not import the engine`)
    }
    if (LOWER_THAN_FEEDS.some((dir) => within(file, dir)) && within(record.target, 'src/feeds'))
      violations.push(`${where}: feeds sit above provenance and the engine, which must not import them`)
    if (within(file, 'src/feeds') && FEED_USERS.some((dir) => within(record.target, dir)))
      violations.push(`${where}: feeds must not import the API, the CLI or the server`)
    if (within(file, 'renderer')) {
      if (within(record.target, 'src') && record.target !== CONTRACT) {
        violations.push(`${where}: renderer/ may import only ${CONTRACT} from src/`)
      } else if (record.target === CONTRACT && !record.typeOnly) {
        violations.push(`${where}: renderer/ may import only types from the contract (use import type)`)
      }
      // renderer/vite.config.ts runs in Node at build time; renderer/src runs in the sandbox.
      const inSandbox = within(file, 'renderer/src')
      if (
        within(record.target, 'electron') ||
        isElectron(record.specifier) ||
        (inSandbox && record.specifier.startsWith('node:'))
      ) {
        violations.push(`${where}: renderer/ runs in the sandbox; no electron or Node modules`)
      }
    }
  }
  return violations
}

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(path.join(ROOT, dir), { withFileTypes: true })) {
    const relative = `${dir}/${entry.name}`
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist' && !entry.name.startsWith('dist.')) {
        files.push(...(await sourceFiles(relative)))
      }
    } else if (/\.(c|m)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(relative)
    }
  }
  return files
}

describe('layers', () => {
  it('the project has no import that crosses a layer the wrong way', async () => {
    const files = [
      ...(await sourceFiles('src')),
      ...(await sourceFiles('renderer')),
      ...(await sourceFiles('electron')),
    ]
    expect(files.length).toBeGreaterThan(20)
    const violations: string[] = []
    for (const file of files)
      violations.push(
        ...layerViolations(file, importsOf(file, await readFile(path.join(ROOT, file), 'utf8'))),
      )
    expect(violations).toEqual([])
  })

  it('the renderer does use the contract, and only its types', async () => {
    const api = await readFile(path.join(ROOT, 'renderer/src/api.ts'), 'utf8')
    expect(importsOf('renderer/src/api.ts', api)).toContainEqual({
      specifier: '../../src/api/contract.ts',
      target: CONTRACT,
      typeOnly: true,
    })
  })

  // The checker itself must catch what it claims to: each fixture is one violation.
  it.each([
    ['src/engine/x.ts', "import { app } from 'electron'", 'src/ must not import electron'],
    ['src/api/x.ts', "const { app } = require('electron')", 'src/ must not import electron'],
    [
      'src/api/x.ts',
      "export { createMainWindow } from '../../electron/app.ts'",
      'src/ must not import electron/',
    ],
    ['src/server/x.ts', "import { App } from '../../renderer/src/App.tsx'", 'src/ must not import renderer/'],
    [
      'src/server/x.ts',
      "const ui = await import('../../renderer/src/api.ts')",
      'src/ must not import renderer/',
    ],
    ['src/defence/x.ts', "import { Engine } from '../engine/engine.ts'", 'must not import the engine'],
    [
      'src/provenance/x.ts',
      "import type { Engine } from '../engine/engine.ts'",
      'must not import the engine',
    ],
    [
      'renderer/src/x.ts',
      "import { COMMANDS } from '../../src/api/contract.ts'",
      'only types from the contract',
    ],
    [
      'renderer/src/x.ts',
      "import { type TorrentView, COMMANDS } from '../../src/api/contract.ts'",
      'only types from the contract',
    ],
    ['renderer/src/x.ts', "import '../../src/api/contract.ts'", 'only types from the contract'],
    ['renderer/src/x.ts', "import type { Engine } from '../../src/engine/engine.ts'", `only ${CONTRACT}`],
    ['renderer/src/x.ts', "import { z } from '../../src/api/dispatcher.ts'", `only ${CONTRACT}`],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron'", 'no electron or Node modules'],
    ['src/provenance/x.ts', "import { Follower } from '../feeds/follower.ts'", 'must not import them'],
    ['src/engine/x.ts', "import type { FeedStore } from '../feeds/feed-store.ts'", 'must not import them'],
    ['src/feeds/x.ts', "import { ApiService } from '../api/service.ts'", 'must not import the API'],
    ['renderer/src/x.ts', "import { readFile } from 'node:fs'", 'no electron or Node modules'],
  ])('the checker flags %s: %s', (file, source, rule) => {
    const violations = layerViolations(file, importsOf(file, source))
    expect(violations).toHaveLength(1)
    expect(violations[0]).toContain(rule)
  })

  it.each([
    ['renderer/src/x.ts', "import type { TorrentView } from '../../src/api/contract.ts'"],
    ['renderer/src/x.ts', "import { type TorrentView } from '../../src/api/contract.ts'"],
    ['renderer/src/x.ts', "export type { TorrentView } from '../../src/api/contract.ts'"],
    ['src/api/x.ts', "import { Engine } from '../engine/engine.ts'"],
    ['src/feeds/x.ts', "import { decide } from '../provenance/policy.ts'"],
    ['src/cli/x.ts', "import { Follower } from '../feeds/follower.ts'"],
    ['electron/x.ts', "import { app } from 'electron'; import { openBackend } from '../src/api/backend.ts'"],
    ['src/engine/x.ts', "// import { app } from 'electron'\nconst text = \"require('electron')\""],
  ])('the checker allows %s: %s', (file, source) => {
    expect(layerViolations(file, importsOf(file, source))).toEqual([])
  })
})
