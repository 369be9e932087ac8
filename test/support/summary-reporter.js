// Prints one plain line CI can read after Jest's own summary: "N passed, N failed, N skipped".
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
    if (results.numTotalTests === 0) process.stdout.write('no test ran\n');
  }
}
module.exports = SummaryReporter;
