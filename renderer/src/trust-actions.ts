// The Trust screen's group and rotation commands: each reports to the notices and refreshes the list.
import type { CommandArgs, RotationPreview } from '../../src/api/contract.ts'
import { describe, refreshPublishers, toBase64, type Dispatch } from './actions.ts'
import type { Api } from './api.ts'

/** Pin a threshold group; resolves true when pinned. */
export async function addGroup(api: Api, dispatch: Dispatch, request: CommandArgs<'trust.addGroup'>) {
  try {
    const group = await api.call('trust.addGroup', request)
    dispatch({
      type: 'notice',
      level: 'info',
      message: `Pinned group ${group.name}: ${group.threshold} of ${group.members.length} keys must sign`,
    })
    await refreshPublishers(api, dispatch)
    return true
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not add the group: ${describe(error)}` })
    return false
  }
}

/** A rotation statement file as the back end takes it: its bytes in base64. */
export async function rotationStatementOf(file: File): Promise<string> {
  return toBase64(new Uint8Array(await file.arrayBuffer()))
}

/** Read a statement before applying it; the refusal applying would give is thrown as an error. */
export function describeRotation(api: Api, statementBase64: string): Promise<RotationPreview> {
  return api.call('trust.describeRotation', { statementBase64 })
}

/** Apply a rotation the user confirmed; resolves true when the pin moved. */
export async function applyRotation(api: Api, dispatch: Dispatch, statementBase64: string) {
  try {
    const pinned = await api.call('trust.rotate', { statementBase64 })
    dispatch({
      type: 'notice',
      level: 'info',
      message: `Moved the pin ${pinned.name} to ${pinned.fingerprint}`,
    })
    await refreshPublishers(api, dispatch)
    return true
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not rotate: ${describe(error)}` })
    return false
  }
}
