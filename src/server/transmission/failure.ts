/** A failure reported in an RPC response's `result` string, as Transmission does. */
export class RpcFailure extends Error {
  readonly arguments: Record<string, unknown>
  constructor(message: string, args: Record<string, unknown> = {}) {
    super(message)
    this.arguments = args
  }
}
