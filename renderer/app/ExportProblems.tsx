// Why an export was refused, one sentence per problem (each names its node), inside the dialog.
export function ExportProblems({ problems }: { problems: readonly string[] }) {
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
