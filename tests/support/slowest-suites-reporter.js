/**
 * Prints the slowest test files at the end of every run, so a suite that grows slow is seen.
 * Listed in jest.config.js beside the default reporter.
 */
class SlowestSuitesReporter {
  constructor(_globalConfig, options = {}) {
    this.count = options.count ?? 5;
  }

  onRunComplete(_contexts, results) {
    const suites = results.testResults
      .filter((suite) => suite.perfStats && suite.perfStats.end > suite.perfStats.start)
      .map((suite) => ({
        seconds: (suite.perfStats.end - suite.perfStats.start) / 1000,
        file: suite.testFilePath.replace(`${process.cwd()}/`, ""),
      }))
      .sort((a, b) => b.seconds - a.seconds);
    if (suites.length === 0) {
      return;
    }
    const total = suites.reduce((sum, suite) => sum + suite.seconds, 0);
    const lines = suites
      .slice(0, this.count)
      .map((suite) => `  ${suite.seconds.toFixed(1).padStart(6)} s  ${suite.file}`);
    process.stderr.write(
      `\nSlowest ${Math.min(this.count, suites.length)} of ${suites.length} test files ` +
        `(${total.toFixed(1)} s summed over all files):\n${lines.join("\n")}\n`,
    );
  }
}

module.exports = SlowestSuitesReporter;
