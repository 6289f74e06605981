/**
 * vitest setup file: after each test file, delete the temporary directories the kit made for it
 * (payloads, homes holding vouch.db, download directories), including those a test forgot.
 */
import { afterAll } from 'vitest'
import { removeTempDirs } from './swarm.ts'

afterAll(async () => {
  await removeTempDirs()
})
