// "Your files…" in the Training panel: pick a format, read what each expects, choose the files (a
// folder for images) and send their bytes to the host, which checks them by loading them. Errors
// stay here, next to the files; the rest of the training setup is left as it was.
import { useState } from 'react';
import type { UploadedDataset, UploadFormat, UploadOptions } from '../../protocol/datasets.ts';
import { MAX_INLINE_UPLOAD_BYTES, MAX_UPLOAD_BYTES, STREAM_FILE_BYTES } from '../../protocol/datasets.ts';
import { DEFAULT_TEXT_WINDOW } from '../../engine/data/index.ts';
import type { HostApi } from '../../protocol/hostApi.ts';
import { fileToBase64 } from '../components/download.ts';
import { upload as uploadFile } from '../components/hostFiles.ts';
import { useApp } from '../state/appStore.ts';
import './userData.css';

const FORMATS: Record<UploadFormat, { label: string; help: string; accept: string }> = {
  csv: {
    label: 'CSV table',
    help: 'One CSV file: numeric feature columns and one label column (by default the last). A header row names the columns. A model for it starts with Input [number of features].',
    accept: '.csv,.txt,.tsv,text/csv',
  },
  idx: {
    label: 'IDX images + labels (Fashion-MNIST, KMNIST…)',
    help: 'An images file and a labels file (…-images-idx3-ubyte, …-labels-idx1-ubyte, .gz is fine), optionally a second pair for testing (t10k-…). Samples are 1×H×W.',
    accept: '',
  },
  cifar10: {
    label: 'CIFAR-10 binary batches',
    help: 'data_batch_1.bin … or test_batch.bin from the “binary version” download (30 MB each, two at most per upload). Samples are 3×32×32; 20% is held out for testing.',
    accept: '.bin',
  },
  text: {
    label: 'Text file (next character)',
    help: 'One plain-text (UTF-8) file. Each sample is a window of characters and its label the character that follows; the text’s different characters (at most 256) are the classes. A model for it starts with Input [window] and an Embedding.',
    accept: '.txt,.md,.text,text/plain',
  },
  images: {
    label: 'Image folder (one subfolder per class)',
    help: 'A folder holding one subfolder of PNG/JPEG pictures per class (cat/, dog/ …). Every picture is resized to the size below.',
    accept: '',
  },
};

const MB = 2 ** 20;

/** A large file goes ahead in chunks (a transfer); a small one inside the addDataset message. */
async function filePayload(host: HostApi, f: File) {
  const path = pathOf(f);
  try {
    if (f.size > STREAM_FILE_BYTES) return { path, transfer: await uploadFile(host, f) };
    return { path, base64: await fileToBase64(f) };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** A folder picker's files keep their path inside the folder; single files only have a name. */
const pathOf = (f: File) => f.webkitRelativePath || f.name;

/** What the user set besides the format: the CSV's label column and header, the pictures' size. */
interface UploadFields {
  labelColumn: string;
  header: 'auto' | 'yes' | 'no';
  size: number;
  grayscale: boolean;
  regression: boolean;
  sequence: boolean;
  window: number;
}
const DEFAULT_FIELDS: UploadFields = {
  labelColumn: '',
  header: 'auto',
  size: 28,
  grayscale: false,
  regression: false,
  sequence: false,
  window: DEFAULT_TEXT_WINDOW,
};

function uploadOptions(
  format: UploadFormat,
  { labelColumn, header, size, grayscale, regression, sequence, window }: UploadFields,
): UploadOptions {
  if (format === 'csv') {
    const col = labelColumn.trim();
    return {
      ...(col === '' ? {} : { labelColumn: /^\d+$/.test(col) ? Number(col) : col }),
      ...(header === 'auto' ? {} : { header: header === 'yes' }),
      ...(regression ? { regression } : {}),
      ...(sequence ? { sequence } : {}),
    };
  }
  if (format === 'text') return { window };
  return format === 'images' ? { size, grayscale } : {};
}

/** The chosen files without the OS's hidden files (.DS_Store) a folder picker brings along. */
const visibleFiles = (list: FileList | null) =>
  [...(list ?? [])].filter(
    (f) =>
      !pathOf(f)
        .split('/')
        .some((p) => p.startsWith('.')),
  );

/** Sends files to the host after a size check; says what it is doing and why it failed. */
function useUpload(onAdded: (info: UploadedDataset) => void) {
  const host = useApp((s) => s.host);
  const [status, setStatus] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const upload = async (list: FileList | null, format: UploadFormat, options: UploadOptions) => {
    const files = visibleFiles(list);
    if (!host || files.length === 0) return;
    setProblem(null);
    const total = files.reduce((s, f) => s + f.size, 0);
    const inline = files.reduce((s, f) => s + (f.size > STREAM_FILE_BYTES ? 0 : f.size), 0);
    if (total > MAX_UPLOAD_BYTES || inline > MAX_INLINE_UPLOAD_BYTES) {
      setProblem(
        total > MAX_UPLOAD_BYTES
          ? `These files hold ${(total / MB).toFixed(1)} MB; one upload may hold at most ${MAX_UPLOAD_BYTES / MB} MB. Take fewer files or a subset.`
          : `These ${files.length} files hold ${(inline / MB).toFixed(1)} MB in files of ${STREAM_FILE_BYTES / MB} MB or less; at most ${MAX_INLINE_UPLOAD_BYTES / MB} MB of small files go in one upload. Take fewer files or a subset.`,
      );
      return;
    }
    try {
      setStatus(
        `Reading ${files.length} file${files.length === 1 ? '' : 's'} (${(total / MB).toFixed(1)} MB)…`,
      );
      const payload = [];
      for (const f of files) payload.push(await filePayload(host, f));
      setStatus('Checking…');
      onAdded(await host.addDataset({ format, files: payload, options }));
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setStatus(null);
    }
  };
  return { status, problem, setProblem, upload };
}

interface FieldsProps {
  fields: UploadFields;
  patch(change: Partial<UploadFields>): void;
}

function CsvFields({ fields, patch }: FieldsProps) {
  return (
    <>
      <label className="training-field">
        <span>Label column</span>
        <input
          type="text"
          value={fields.labelColumn}
          placeholder="last column"
          onChange={(e) => patch({ labelColumn: e.target.value })}
        />
        <small className="field-help">Its header name, or its position counting from 0.</small>
      </label>
      <label className="training-field">
        <span>Header row</span>
        <select
          value={fields.header}
          onChange={(e) => patch({ header: e.target.value as UploadFields['header'] })}
        >
          <option value="auto">Guess</option>
          <option value="yes">Yes</option>
          <option value="no">No</option>
        </select>
        <small className="field-help">
          Whether the first row names the columns; “Guess” looks for words in it.
        </small>
      </label>
      <label className="training-check">
        <input
          type="checkbox"
          checked={fields.regression}
          onChange={(e) => patch({ regression: e.target.checked })}
        />
        <span>The label is a number to predict (regression, mean squared error)</span>
      </label>
      <label className="training-check">
        <input
          type="checkbox"
          checked={fields.sequence}
          onChange={(e) => patch({ sequence: e.target.checked })}
        />
        <span>Each row is a sequence (a value per step, for LSTM, GRU or Conv1d)</span>
      </label>
    </>
  );
}

function TextFields({ fields, patch }: FieldsProps) {
  return (
    <label className="training-field">
      <span>Window</span>
      <input
        type="number"
        min={1}
        max={4096}
        value={fields.window}
        onChange={(e) =>
          patch({ window: Math.min(4096, Math.max(1, Math.round(Number(e.target.value)) || 1)) })
        }
      />
      <small className="field-help">
        Characters the model reads to predict the next one, for the preview; training uses the length of the
        network’s Input.
      </small>
    </label>
  );
}

function ImageFields({ fields, patch }: FieldsProps) {
  return (
    <>
      <label className="training-field">
        <span>Image size</span>
        <input
          type="number"
          min={4}
          max={224}
          value={fields.size}
          onChange={(e) => patch({ size: Number(e.target.value) || 28 })}
        />
        <small className="field-help">Every picture becomes size×size pixels.</small>
      </label>
      <label className="training-check">
        <input
          type="checkbox"
          checked={fields.grayscale}
          onChange={(e) => patch({ grayscale: e.target.checked })}
        />
        <span>Grayscale (one channel instead of RGB)</span>
      </label>
    </>
  );
}

export function UserDataset({ onAdded }: { onAdded(info: UploadedDataset): void }) {
  const [format, setFormat] = useState<UploadFormat>('csv');
  const [fields, setFields] = useState<UploadFields>(DEFAULT_FIELDS);
  const patch = (change: Partial<UploadFields>) => setFields((f) => ({ ...f, ...change }));
  const { status, problem, setProblem, upload } = useUpload(onAdded);
  const { help, accept } = FORMATS[format];
  const folder = format === 'images';
  const single = format === 'csv' || format === 'text';
  return (
    <div className="user-dataset" role="group" aria-label="Your files">
      <label className="training-field">
        <span>Format</span>
        <select
          value={format}
          onChange={(e) => (setFormat(e.target.value as UploadFormat), setProblem(null))}
        >
          {(Object.keys(FORMATS) as UploadFormat[]).map((f) => (
            <option key={f} value={f}>
              {FORMATS[f].label}
            </option>
          ))}
        </select>
        <small className="field-help">{help}</small>
      </label>
      {format === 'csv' && <CsvFields fields={fields} patch={patch} />}
      {format === 'text' && <TextFields fields={fields} patch={patch} />}
      {folder && <ImageFields fields={fields} patch={patch} />}
      <label className="user-dataset__pick">
        <span>
          {folder
            ? 'Choose a folder…'
            : single
              ? `Choose a ${format === 'csv' ? 'CSV' : 'text'} file…`
              : 'Choose files…'}
        </span>
        <input
          type="file"
          aria-label={folder ? 'Data folder' : 'Data files'}
          accept={accept || undefined}
          multiple={!single}
          {...(folder ? { webkitdirectory: '' } : {})}
          disabled={status !== null}
          onChange={(e) => {
            const list = e.target.files;
            void upload(list, format, uploadOptions(format, fields)).finally(() => (e.target.value = ''));
          }}
        />
      </label>
      {status && (
        <p className="muted" role="status">
          {status}
        </p>
      )}
      {problem && (
        <p className="danger" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
