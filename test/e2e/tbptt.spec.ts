// The truncated-BPTT lesson as a student walks it: open it from the gallery, take its settings
// (Truncate BPTT at 10 steps is ticked, the cost of an update shown), train one epoch and read the
// measured time per update beside the FLOPs; untick it for full BPTT on the same windows. A network
// without a recurrent layer offers no truncation.
import { mkdirSync } from 'node:fs';
import { expect, test, type Locator } from '@playwright/test';
import { TBPTT_MEASURED } from '../../scripts/lessons.ts';
import {
  lesson,
  openApp,
  openLesson,
  openTemplate,
  shot,
  training,
  trainToEnd,
  useLessonSettings,
  watchErrors,
} from './helpers.ts';

test.describe.configure({ timeout: 120_000 });

/** Opening another network after training may ask about unsaved changes: discard them, as a student would. */
async function discardIfAsked(discard: Locator): Promise<void> {
  const asked = await discard.waitFor({ state: 'visible', timeout: 3000 }).then(
    () => true,
    () => false,
  );
  if (asked) await discard.click();
}

/** The screenshot the lead keeps with the notes, when that folder exists on this machine. */
const NOTES_SHOTS = '/work/notes/s5/shots';

test('TBPTT lesson: truncate at τ = 10, train, and see what an update costs', async ({ page }) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1400, height: 900 });
  await openApp(page);
  await openLesson(page, 'Truncated BPTT: what an update costs');
  await useLessonSettings(page);
  const panel = training(page);
  const truncate = panel.getByRole('checkbox', { name: 'Truncate BPTT at 10 steps' });
  await expect(truncate).toBeChecked();
  const cost = panel.getByTestId('update-cost');
  // The train step's FLOPs for one batch of 32 windows: what the lesson and the CLI state.
  await expect(cost).toContainText(`${TBPTT_MEASURED[10].mflops.toFixed(1)} MFLOPs`);
  // One epoch keeps the walk short; the lesson's 3 epochs are what the CLI measured.
  await panel.getByRole('spinbutton', { name: /^Epochs/ }).fill('1');
  const accuracy = await trainToEnd(page, 90_000);
  expect(accuracy).toBeGreaterThan(50);
  await expect(cost).toContainText(/MFLOPs · [\d.]+ ms/);
  // The field and the cost under it at the top of the settings column, for the screenshot.
  await truncate.evaluate((el) => el.closest('label')!.scrollIntoView({ block: 'start' }));
  await shot(page, 'tbptt-drawer');
  try {
    mkdirSync(NOTES_SHOTS, { recursive: true });
    await page.screenshot({ path: `${NOTES_SHOTS}/tbptt-drawer.png` });
  } catch {
    // Not the team's machine: the screenshot under test-results is enough.
  }

  // Unticked: the same windows, each from a zero state, at the same cost per update.
  await truncate.uncheck();
  await expect(truncate).not.toBeChecked();
  expect(await trainToEnd(page, 90_000)).toBeGreaterThan(50);
  await expect(cost).toContainText(`${TBPTT_MEASURED[10].mflops.toFixed(1)} MFLOPs`);

  await lesson(page).getByRole('button', { name: 'Open the τ = 50 version' }).click();
  const discard = page.getByRole('dialog', { name: 'Unsaved changes' }).getByRole('button', {
    name: 'Discard changes',
  });
  await discardIfAsked(discard);
  await expect(lesson(page).getByRole('heading', { name: 'Truncated BPTT: τ = 50' })).toBeVisible();
  await useLessonSettings(page);
  await expect(panel.getByRole('checkbox', { name: 'Truncate BPTT at 50 steps' })).toBeChecked();
  await expect(cost).toContainText(`${TBPTT_MEASURED[50].mflops.toFixed(1)} MFLOPs`);

  await openTemplate(page, 'MLP 784-512-512-10');
  await discardIfAsked(discard);
  // The drawer stays open from one network to the next.
  await expect(training(page)).toBeVisible();
  await expect(training(page).getByTestId('tbptt')).toHaveCount(0);
  expect(errors).toEqual([]);
});
