#!/usr/bin/env node
// The CLI runs from the compiled output; `npm ci` builds it (the "prepare" script).
import '../dist/src/cli/main.js';
