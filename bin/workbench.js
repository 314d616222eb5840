#!/usr/bin/env node
// The `workbench` command: the built command-line host (run `npm run build` first).
require('../out/main/cli.js');
