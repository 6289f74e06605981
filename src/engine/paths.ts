import os from 'node:os'
import path from 'node:path'

/**
 * The data directory: `--home DIR`, else VOUCH_HOME, else the platform's config directory
 * (the same one Electron's `app.getPath('userData')` uses for an app named "Vouch").
 */
export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return path.resolve(explicit)
  if (env.VOUCH_HOME) return path.resolve(env.VOUCH_HOME)
  return defaultConfigDir(process.platform, env)
}

export function defaultConfigDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  const home = env.HOME ?? os.homedir()
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Vouch')
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Vouch')
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Vouch')
  }
}

export interface DataPaths {
  home: string
  /** Default download directory. */
  downloads: string
  /** Persisted list of torrents so a restart resumes them. */
  torrentList: string
  /** Copies of every added .torrent, named by infohash. */
  torrentFiles: string
}

export function dataPaths(home: string): DataPaths {
  return {
    home,
    downloads: path.join(home, 'downloads'),
    torrentList: path.join(home, 'torrents.json'),
    torrentFiles: path.join(home, 'torrents'),
  }
}
