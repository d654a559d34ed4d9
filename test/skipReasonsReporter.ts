// Playwright's list reporter marks a skipped test with a dash and drops the reason given to
// test.skip(). This reporter prints every skipped test with that reason at the end of the run, so a
// skip in CI is never silent.
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';

export default class SkipReasonsReporter implements Reporter {
  private readonly skipped: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== 'skipped') return;
    const reasons = test.annotations
      .filter((a) => a.type === 'skip' || a.type === 'fixme')
      .map((a) => a.description)
      .filter((d): d is string => !!d);
    const where = `${test.location.file.split('/').slice(-2).join('/')}:${test.location.line}`;
    this.skipped.push(
      `  ${test.titlePath().filter(Boolean).slice(1).join(' › ')} (${where}): ${reasons.join('; ') || 'NO REASON GIVEN'}`,
    );
  }

  onEnd(): void {
    if (!this.skipped.length) return;
    console.log(`\n${this.skipped.length} skipped, and why:\n${this.skipped.join('\n')}`);
  }

  printsToStdio(): boolean {
    return true;
  }
}
