// A child process that saves one file over and over with saveFileAtomic, each time a new version
// (the SIGKILL-during-save test kills it at random moments). argv: target path, bytes per
// version, first version number. Prints "saving" once the first save has begun.
import { saveFileAtomic } from '../../host/saveFileAtomic.ts';
import { versionText } from './saveVersions.ts';

const [path, size, first] = process.argv.slice(2);
let version = Number(first);
process.stdout.write('saving\n');
for (;;) await saveFileAtomic(path, versionText(version++, Number(size)));
