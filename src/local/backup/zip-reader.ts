/**
 * Reads a zip archive through its central directory (APPNOTE.TXT §4.3), as Instant's restore
 * does: zip64 records and extra fields (big backups use them), entries written with data
 * descriptors, stored (0) and deflate (8) entries. Entries stream through `node:zlib`, their
 * CRC-32 checked at the end, so a 1 GB `.jsonl` never sits in memory.
 */
import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { pipeline, Transform, type Readable } from 'node:stream'
import { createInflateRaw, crc32 } from 'node:zlib'
import { BackupError } from './backup-error.js'
import {
  CENTRAL_HEADER_SIZE,
  CENTRAL_SIGNATURE,
  EOCD_SIGNATURE,
  EOCD_SIZE,
  LOCAL_HEADER_SIZE,
  LOCAL_SIGNATURE,
  METHOD_DEFLATE,
  METHOD_STORED,
  U32_MAX,
  ZIP64_EOCD_SIGNATURE,
  ZIP64_LOCATOR_SIGNATURE,
  ZIP64_LOCATOR_SIZE,
} from './zip-format.js'

/** One file of the archive, as its central directory describes it. */
export interface ZipEntry {
  name: string
  method: number
  crc32: number
  compressedSize: number
  uncompressedSize: number
  /** Where the entry's local header starts. */
  localHeaderOffset: number
}

/** An archive opened for reading. */
export interface ZipArchive {
  readonly path: string
  /** Entries in central-directory order (the order they were written). */
  readonly entries: readonly ZipEntry[]
  /** The entry's uncompressed bytes as a stream (CRC checked when it ends). */
  openEntry(entry: ZipEntry): Promise<Readable>
  /** The whole entry in memory; for small entries such as `config.json`. */
  readEntry(entry: ZipEntry): Promise<Buffer>
  close(): Promise<void>
}

/** The EOCD ends with a comment of at most 65,535 bytes. */
const MAX_EOCD_SEARCH = EOCD_SIZE + 0xffff
const FLAG_ENCRYPTED = 0x1

/** Opens `path` and reads its central directory. Throws a `BackupError` naming the archive. */
export async function openZip(path: string): Promise<ZipArchive> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (err) {
    throw new BackupError(`cannot open: ${(err as Error).message}`, { file: path, cause: err })
  }
  try {
    const entries = await readCentralDirectory(fh, path)
    return archive(fh, path, entries)
  } catch (err) {
    await fh.close()
    throw err
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  const { bytesRead } = await fh.read(buf, 0, length, position)
  return buf.subarray(0, bytesRead)
}

async function readCentralDirectory(fh: FileHandle, path: string): Promise<ZipEntry[]> {
  const notZip = (why: string) => new BackupError(`not a zip archive (${why})`, { file: path })
  const { size } = await fh.stat()
  if (size < EOCD_SIZE) throw notZip('too short')
  const tailStart = Math.max(0, size - MAX_EOCD_SEARCH)
  const tail = await readAt(fh, tailStart, size - tailStart)
  let eocd = -1
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw notZip('no end of central directory record')
  let count = tail.readUInt16LE(eocd + 10)
  let cdSize = tail.readUInt32LE(eocd + 12)
  let cdOffset = tail.readUInt32LE(eocd + 16)
  const locator = eocd - ZIP64_LOCATOR_SIZE
  if (locator >= 0 && tail.readUInt32LE(locator) === ZIP64_LOCATOR_SIGNATURE) {
    const recordOffset = Number(tail.readBigUInt64LE(locator + 8))
    const record = await readAt(fh, recordOffset, 56)
    if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) {
      throw notZip('bad zip64 end of central directory record')
    }
    count = Number(record.readBigUInt64LE(32))
    cdSize = Number(record.readBigUInt64LE(40))
    cdOffset = Number(record.readBigUInt64LE(48))
  }
  if (cdOffset + cdSize > size) throw notZip('central directory past the end of the file')
  const cd = await readAt(fh, cdOffset, cdSize)
  const entries: ZipEntry[] = []
  let p = 0
  for (let n = 0; n < count; n++) {
    if (p + CENTRAL_HEADER_SIZE > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIGNATURE) {
      throw notZip(`bad central directory entry ${n + 1}`)
    }
    const flags = cd.readUInt16LE(p + 8)
    const method = cd.readUInt16LE(p + 10)
    const crc = cd.readUInt32LE(p + 16)
    let compressedSize = cd.readUInt32LE(p + 20)
    let uncompressedSize = cd.readUInt32LE(p + 24)
    const nameLength = cd.readUInt16LE(p + 28)
    const extraLength = cd.readUInt16LE(p + 30)
    const commentLength = cd.readUInt16LE(p + 32)
    let localHeaderOffset = cd.readUInt32LE(p + 42)
    const name = cd.toString('utf8', p + CENTRAL_HEADER_SIZE, p + CENTRAL_HEADER_SIZE + nameLength)
    // Zip64 extra field (id 1): 8-byte values for exactly the fields saturated above, in order.
    let e = p + CENTRAL_HEADER_SIZE + nameLength
    const extraEnd = e + extraLength
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e)
      const len = cd.readUInt16LE(e + 2)
      if (id === 1) {
        let q = e + 4
        const next = (): number => {
          const v = Number(cd.readBigUInt64LE(q))
          q += 8
          return v
        }
        if (uncompressedSize === U32_MAX) uncompressedSize = next()
        if (compressedSize === U32_MAX) compressedSize = next()
        if (localHeaderOffset === U32_MAX) localHeaderOffset = next()
      }
      e += 4 + len
    }
    if (flags & FLAG_ENCRYPTED) {
      throw new BackupError(`${name} is encrypted, which is not supported`, { file: path })
    }
    entries.push({ name, method, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset })
    p = extraEnd + commentLength
  }
  return entries
}

function archive(fh: FileHandle, path: string, entries: ZipEntry[]): ZipArchive {
  async function dataStart(entry: ZipEntry): Promise<number> {
    const header = await readAt(fh, entry.localHeaderOffset, LOCAL_HEADER_SIZE)
    if (header.length < LOCAL_HEADER_SIZE || header.readUInt32LE(0) !== LOCAL_SIGNATURE) {
      throw new BackupError(`bad local header for ${entry.name}`, { file: path })
    }
    return (
      entry.localHeaderOffset +
      LOCAL_HEADER_SIZE +
      header.readUInt16LE(26) +
      header.readUInt16LE(28)
    )
  }
  async function openEntry(entry: ZipEntry): Promise<Readable> {
    if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATE) {
      throw new BackupError(
        `${entry.name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`,
        { file: path },
      )
    }
    const start = await dataStart(entry)
    const check = checkCrc(entry, path)
    if (entry.compressedSize === 0) {
      check.end()
      return check
    }
    const raw = createReadStream('', {
      fd: fh,
      autoClose: false,
      start,
      end: start + entry.compressedSize - 1, // inclusive
    })
    // pipeline destroys every stage with the first error, so the reader of `check` sees it.
    const stages: (Readable | Transform)[] =
      entry.method === METHOD_DEFLATE ? [raw, createInflateRaw(), check] : [raw, check]
    pipeline(stages, () => {})
    return check
  }
  return {
    path,
    entries,
    openEntry,
    async readEntry(entry) {
      const chunks: Buffer[] = []
      for await (const chunk of await openEntry(entry)) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    },
    close: () => fh.close(),
  }
}

/** Passes bytes through, counting them and their CRC-32; fails at the end on a mismatch. */
function checkCrc(entry: ZipEntry, path: string): Transform {
  let crc = 0
  let length = 0
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      crc = crc32(chunk, crc)
      length += chunk.length
      cb(null, chunk)
    },
    flush(cb) {
      if (crc >>> 0 !== entry.crc32 >>> 0 || length !== entry.uncompressedSize) {
        cb(
          new BackupError(`${entry.name} is corrupt (CRC-32 or size does not match)`, {
            file: path,
          }),
        )
      } else cb()
    },
  })
}
