import type { Provenance } from '../../../src/api/contract.ts'

/** "Signed by <name> <fingerprint>", or what else is known about where a torrent comes from. */
export function ProvenanceBadge({ provenance }: { provenance: Provenance }) {
  switch (provenance.status) {
    case 'signed':
      return (
        <span
          className="badge badge-signed"
          title={`Signed by ${provenance.publishers.map((publisher) => `${publisher.name} ${publisher.fingerprint}`).join(', ')}`}
        >
          Signed by{' '}
          {provenance.publishers.map((publisher, index) => (
            <span key={publisher.fingerprint}>
              {index > 0 ? ', ' : ''}
              {publisher.name} <code className="fingerprint">{publisher.fingerprint}</code>
            </span>
          ))}
        </span>
      )
    case 'unsigned-allowed':
      return (
        <span className="badge badge-warning" title="You chose to download this torrent without a signature">
          Unsigned (allowed by you)
        </span>
      )
    case 'held':
      return (
        <span
          className="badge badge-warning"
          title="Nothing is downloaded or written until a signature from a publisher you trust is accepted"
        >
          {provenance.waitingFor === 'signature'
            ? 'Held: waiting for a signature'
            : 'Signed: checking the metadata'}
        </span>
      )
    case 'unchecked':
      return (
        <span
          className="badge badge-muted"
          title="Provenance was not checked for this torrent (for example, data you seed yourself)"
        >
          Provenance not checked
        </span>
      )
    default:
      return assertNever(provenance)
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected provenance ${JSON.stringify(value)}`)
}
