#!/usr/bin/env node
// `instant-local`: the process wrapper around runCli (run-cli.ts holds the logic and its tests).
import { closeOnSignals, runCli } from './run-cli.js'

const io = {
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
}
const result = await runCli(process.argv.slice(2), io)
if (result.exitCode !== undefined) process.exitCode = result.exitCode
else void closeOnSignals(result.local, process, io)
