import type { FilePriorityName, TorrentDetailsView } from '../../../../src/api/contract.ts'
import { formatBytes } from '../../format.ts'
import { ProgressBar } from '../ProgressBar.tsx'

type Priority = FilePriorityName

interface Props {
  details: TorrentDetailsView
  onPriority(index: number, priority: Priority): void
}

const PRIORITY_LABELS: Record<Exclude<Priority, 'skip'>, string> = {
  low: 'Low',
  normal: 'Normal',
  high: 'High',
}

/** Each file with its progress; unticking one means its pieces are never requested. */
export function FilesTab({ details, onPriority }: Props) {
  if (details.files.length === 0) return <p className="empty">The file list arrives with the metadata.</p>
  return (
    <div className="table-container">
      <table className="responsive files">
        <caption className="visually-hidden">Files</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Progress</th>
            <th scope="col">Priority</th>
          </tr>
        </thead>
        <tbody>
          {details.files.map((file) => {
            const wanted = file.priority !== 'skip'
            return (
              <tr key={file.index} data-file={file.path} data-priority={file.priority}>
                <th scope="row" className="file-name">
                  <label className="checkbox">
                    <input
                      type="checkbox"
                      checked={wanted}
                      onChange={(event) => onPriority(file.index, event.target.checked ? 'normal' : 'skip')}
                    />
                    <span>
                      <span className="name">{file.path}</span>
                      <span className="subline">{formatBytes(file.length)}</span>
                    </span>
                  </label>
                </th>
                <td data-label="Progress">
                  <ProgressBar
                    value={file.progress}
                    done={file.progress >= 1}
                    label={`Progress of ${file.path}`}
                  />
                </td>
                <td data-label="Priority">
                  <select
                    aria-label={`Priority of ${file.path}`}
                    value={wanted ? file.priority : 'normal'}
                    disabled={!wanted}
                    onChange={(event) => onPriority(file.index, event.target.value as Priority)}
                  >
                    {(Object.keys(PRIORITY_LABELS) as (keyof typeof PRIORITY_LABELS)[]).map((priority) => (
                      <option key={priority} value={priority}>
                        {PRIORITY_LABELS[priority]}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
