// Electron main-process entry (package.json "main" → dist/electron/main.js, built by `npm run build`).
import { startDesktopApp } from './app.ts'

startDesktopApp().catch((error: unknown) => {
  console.error('vouch: the desktop app failed to start:', error)
  process.exit(1)
})
