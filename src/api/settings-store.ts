/**
 * HOME/settings.json: the settings screen's values, validated against the contract's schema on
 * every read and write, written atomically (temp file, then rename). A file that does not parse
 * or does not fit the schema is kept aside and the defaults are used, with a warning.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { VouchError } from '../errors.ts'
import { SettingsSchema, type Settings } from './contract.ts'

export const SETTINGS_FILE = 'settings.json'

export function defaultSettings(downloadDir: string): Settings {
  return {
    downloadDir,
    downloadLimit: null,
    uploadLimit: null,
    seedRatioLimit: null,
    seedTimeLimitMinutes: null,
    maxActiveDownloads: null,
    maxActiveSeeds: null,
    listenPort: null,
    dht: true,
    lsd: true,
    upnp: true,
    natPmp: true,
    pex: true,
    notifications: true,
    theme: 'system',
  }
}

export class SettingsStore {
  readonly #file: string
  #current: Settings
  #writing: Promise<void> = Promise.resolve()

  private constructor(file: string, current: Settings) {
    this.#file = file
    this.#current = current
  }

  /** Read HOME/settings.json; fields it lacks take their defaults. */
  static async open(
    home: string,
    defaults: Settings,
    warn: (message: string) => void = () => undefined,
  ): Promise<SettingsStore> {
    const file = path.join(home, SETTINGS_FILE)
    let text: string | null = null
    try {
      text = await readFile(file, 'utf8')
    } catch {
      // No file yet: the defaults.
    }
    if (text === null) return new SettingsStore(file, defaults)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    const checked = SettingsSchema.safeParse(
      typeof parsed === 'object' && parsed !== null ? { ...defaults, ...parsed } : undefined,
    )
    if (checked.success) return new SettingsStore(file, checked.data)
    const aside = `${file}.invalid-${Date.now()}`
    await rename(file, aside).catch(() => undefined)
    warn(
      `${file} is not valid settings (${checked.error.issues[0]?.message ?? 'unreadable'}); kept as ${aside}, using defaults`,
    )
    return new SettingsStore(file, defaults)
  }

  get current(): Settings {
    return { ...this.#current }
  }

  /** Validate `changes` over the current settings and save them; the answer is what was saved. */
  async update(changes: Partial<Settings>): Promise<Settings> {
    const checked = SettingsSchema.safeParse({ ...this.#current, ...changes })
    if (!checked.success) {
      const issue = checked.error.issues[0]
      throw new VouchError(
        'bad-input',
        `invalid setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
      )
    }
    this.#current = checked.data
    await this.#save()
    return this.current
  }

  #save(): Promise<void> {
    const text = `${JSON.stringify(this.#current, null, 2)}\n`
    this.#writing = this.#writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(path.dirname(this.#file), { recursive: true })
        const temp = `${this.#file}.${process.pid}.tmp`
        await writeFile(temp, text, { mode: 0o600 })
        await rename(temp, this.#file)
      })
    return this.#writing
  }
}
