// A hidden <input type="file"> that toolbar commands click; found by its data-role.
export function HiddenFileInput(props: {
  role: string;
  accept: string;
  label: string;
  onFile: (file: File) => void;
}) {
  return (
    <input
      type="file"
      accept={props.accept}
      data-role={props.role}
      aria-label={props.label}
      hidden
      onChange={(e) => {
        const file = e.target.files?.[0];
        e.target.value = ''; // choosing the same file again must fire change again
        if (file) props.onFile(file);
      }}
    />
  );
}
