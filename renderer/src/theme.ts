export type ThemeChoice = 'system' | 'light' | 'dark'

const STORAGE_KEY = 'vouch.theme'

export function loadTheme(): ThemeChoice {
  const stored = localStorage.getItem(STORAGE_KEY)
  return stored === 'light' || stored === 'dark' ? stored : 'system'
}

/** `system` follows the OS (color-scheme: light dark in styles.css); the others force a palette. */
export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') {
    delete document.documentElement.dataset.theme
    localStorage.removeItem(STORAGE_KEY)
  } else {
    document.documentElement.dataset.theme = choice
    localStorage.setItem(STORAGE_KEY, choice)
  }
}
