// @ts-check
// `npm run bench:install` (`node bench/install/install-size.js`): what `npm install
// instant-express-auth express` costs a fresh app, beside `npm install express` alone. Packs this
// checkout (build first: `npm run build`), installs the tarball from the npm registry into a
// temporary app with install scripts allowed, and prints the wall time, the size of node_modules,
// the number of packages, and which installed packages have an install script or a native build. Run it twice to see a warm npm cache; pass
// `--empty-cache` to install through a fresh, empty npm cache (what a first-time user meets).
import { execFile, spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const emptyCache = process.argv.includes('--empty-cache')

/** Bytes of every file under `dir` (symlinks not followed). */
function sizeOf(dir) {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += sizeOf(path)
    else if (entry.isFile()) total += statSync(path).size
  }
  return total
}

/** Every installed package folder (a folder with a package.json that has a name), nested too. */
function packagesIn(modules) {
  /** @type {string[]} */
  const found = []
  if (!existsSync(modules)) return found
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const dirs = entry.name.startsWith('@')
      ? readdirSync(join(modules, entry.name)).map((name) => join(modules, entry.name, name))
      : [join(modules, entry.name)]
    for (const dir of dirs) {
      if (!existsSync(join(dir, 'package.json'))) continue
      found.push(dir)
      found.push(...packagesIn(join(dir, 'node_modules')))
    }
  }
  return found
}

/** Installed packages that run an install script or build native code. */
function nativeOrScripted(dirs) {
  return dirs
    .filter((dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      const scripts = pkg.scripts ?? {}
      return Boolean(
        scripts.preinstall ||
        scripts.install ||
        scripts.postinstall ||
        pkg.gypfile ||
        existsSync(join(dir, 'binding.gyp')),
      )
    })
    .map((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name)
}

/** Installs `specs` into a fresh app; returns the figures. */
async function measure(label, specs) {
  const app = await mkdtemp(join(tmpdir(), 'install-size-'))
  const cache = emptyCache ? await mkdtemp(join(tmpdir(), 'install-size-cache-')) : undefined
  try {
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }))
    const args = ['install', ...specs, '--ignore-scripts=false', '--no-audit', '--no-fund']
    if (cache) args.push('--cache', cache)
    const started = process.hrtime.bigint()
    await new Promise((resolve, reject) => {
      const child = spawn('npm', args, { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] })
      child.on('error', reject)
      child.on('exit', (code) =>
        code === 0 ? resolve(undefined) : reject(new Error(`npm install exited ${code}`)),
      )
    })
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const modules = join(app, 'node_modules')
    const dirs = packagesIn(modules)
    // Disk use as `du` counts it (whole blocks), the figure the table compared.
    const { stdout: du } = await run('du', ['-sk', modules])
    return {
      label,
      seconds,
      megabytes: sizeOf(modules) / 1e6,
      diskMegabytes: Number.parseInt(du, 10) / 1024,
      packages: dirs.length,
      native: nativeOrScripted(dirs),
    }
  } finally {
    await rm(app, { recursive: true, force: true })
    if (cache) await rm(cache, { recursive: true, force: true })
  }
}

async function main() {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    throw new Error('build first: npm run build')
  }
  const packDir = await mkdtemp(join(tmpdir(), 'install-size-pack-'))
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], {
      cwd: root,
    })
    const tarball = join(packDir, JSON.parse(stdout)[0].filename)
    const rows = [
      await measure('express 5 alone', ['express@5']),
      await measure('instant-express-auth + express 5', [tarball, 'express@5']),
    ]
    const cacheNote = emptyCache ? 'empty npm cache' : 'warm npm cache'
    console.log(
      `\nInstall size, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cacheNote}`,
    )
    console.log(
      '| install | time | node_modules (files) | node_modules (du) | packages | install scripts / native builds |',
    )
    console.log('|---|---:|---:|---:|---:|---|')
    for (const row of rows) {
      console.log(
        `| ${row.label} | ${row.seconds.toFixed(1)} s | ${row.megabytes.toFixed(1)} MB | ${row.diskMegabytes.toFixed(1)} MB | ${row.packages} | ${row.native.length === 0 ? 'none' : row.native.join(', ')} |`,
      )
    }
    const [, kit] = rows
    const ok = kit && kit.native.length === 0 && kit.diskMegabytes <= 15 && kit.packages <= 85
    console.log(`goal (no install script, ≤ 15 MB, ≤ 85 packages): ${ok ? 'met' : 'NOT met'}`)
    if (!ok) process.exitCode = 1
  } finally {
    await rm(packDir, { recursive: true, force: true })
  }
}

await main()
