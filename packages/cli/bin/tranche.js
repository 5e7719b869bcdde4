#!/usr/bin/env node
// Committed entry point, present before the build so that npm links it at install time.
import '../dist/bin.js';
