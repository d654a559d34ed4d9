// The foot of an export dialog: why an export was refused (one sentence per problem, each naming
// its node), Cancel, and the button that exports.
function ExportProblems({ problems }: { problems: readonly string[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="onnx-export__problems" role="alert" aria-label="Export problems">
      <p>The model can’t be exported yet:</p>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>{p}</li>
        ))}
      </ul>
    </div>
  );
}

/** The foot of an export dialog: why it was refused (if it was), Cancel, and the export button. */
export function ExportFooter(props: {
  problems: readonly string[];
  busy: boolean;
  label: string;
  onCancel: () => void;
  onExport: () => Promise<void>;
}) {
  return (
    <>
      <ExportProblems problems={props.problems} />
      <div className="button-row">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" disabled={props.busy} onClick={() => void props.onExport()} autoFocus>
          {props.busy ? 'Exporting…' : props.label}
        </button>
      </div>
    </>
  );
}
