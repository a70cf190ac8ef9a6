/**
 * Writes a zip archive to a file, entry after entry, each deflated through `node:zlib` as it
 * streams in, so an entry of any size never sits in memory. Every local header carries a zip64
 * extra field whose sizes are filled in once the entry is written (the file is seekable, so no
 * data descriptor is needed); the central directory and its end record use zip64 only when a
 * size, an offset or the entry count needs it (APPNOTE.TXT §4.3, §4.5.3).
 */
import { open, type FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { createDeflateRaw, crc32 } from 'node:zlib'
import {
  CENTRAL_HEADER_SIZE,
  CENTRAL_SIGNATURE,
  EOCD_SIGNATURE,
  LOCAL_HEADER_SIZE,
  LOCAL_SIGNATURE,
  METHOD_DEFLATE,
  U32_MAX,
  ZIP64_EOCD_SIGNATURE,
  ZIP64_LOCATOR_SIGNATURE,
} from './zip-format.js'

/** An archive being written; `close()` writes the central directory. */
export interface ZipWriter {
  /** Adds an entry from bytes, a string or chunks; resolves once they are on disk. */
  add(name: string, data: Buffer | string | AsyncIterable<Buffer | string>): Promise<void>
  close(): Promise<void>
  /** Stops without a central directory (the caller removes the file). */
  abort(): Promise<void>
}

interface Written {
  name: Buffer
  crc: number
  compressedSize: number
  uncompressedSize: number
  offset: number
}

const U16_MAX = 0xffff
/** Bit 11: names are UTF-8. */
const FLAG_UTF8 = 0x800
/** 4.5: needed to extract; 2.0 without zip64, 4.5 with it. */
const VERSION_ZIP64 = 45
const VERSION_DEFLATE = 20
/** Made by: UNIX (3), spec 4.5. */
const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64
/** 1980-01-01 00:00 in MS-DOS date/time, the zip epoch; a backup's entries carry no dates. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1
const ZIP64_LOCAL_EXTRA_SIZE = 20

/** Creates (or truncates) `path` and returns a writer for it. */
export async function createZipWriter(path: string): Promise<ZipWriter> {
  const fh = await open(path, 'w')
  const written: Written[] = []
  let offset = 0

  async function write(buf: Buffer): Promise<void> {
    await writeAll(fh, buf, offset)
    offset += buf.length
  }

  async function add(
    name: string,
    data: Buffer | string | AsyncIterable<Buffer | string>,
  ): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8')
    const start = offset
    const header = Buffer.alloc(LOCAL_HEADER_SIZE + nameBytes.length + ZIP64_LOCAL_EXTRA_SIZE)
    header.writeUInt32LE(LOCAL_SIGNATURE, 0)
    header.writeUInt16LE(VERSION_ZIP64, 4)
    header.writeUInt16LE(FLAG_UTF8, 6)
    header.writeUInt16LE(METHOD_DEFLATE, 8)
    header.writeUInt16LE(0, 10)
    header.writeUInt16LE(DOS_DATE, 12)
    // CRC (14) is patched below; both sizes live in the zip64 extra field.
    header.writeUInt32LE(U32_MAX, 18)
    header.writeUInt32LE(U32_MAX, 22)
    header.writeUInt16LE(nameBytes.length, 26)
    header.writeUInt16LE(ZIP64_LOCAL_EXTRA_SIZE, 28)
    nameBytes.copy(header, LOCAL_HEADER_SIZE)
    const extra = LOCAL_HEADER_SIZE + nameBytes.length
    header.writeUInt16LE(1, extra)
    header.writeUInt16LE(16, extra + 2)
    await write(header)

    let crc = 0
    let uncompressedSize = 0
    const dataStart = offset
    const source =
      typeof data === 'string' || Buffer.isBuffer(data)
        ? Readable.from([data])
        : Readable.from(data)
    const deflate = createDeflateRaw()
    const counted = source.map((chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
      crc = crc32(buf, crc)
      uncompressedSize += buf.length
      return buf
    })
    counted.on('error', (err) => deflate.destroy(err))
    counted.pipe(deflate)
    for await (const chunk of deflate) await write(chunk as Buffer)
    const compressedSize = offset - dataStart

    const patch = Buffer.alloc(4)
    patch.writeUInt32LE(crc >>> 0, 0)
    await writeAll(fh, patch, start + 14)
    const sizes = Buffer.alloc(16)
    sizes.writeBigUInt64LE(BigInt(uncompressedSize), 0)
    sizes.writeBigUInt64LE(BigInt(compressedSize), 8)
    await writeAll(fh, sizes, start + extra + 4)
    written.push({
      name: nameBytes,
      crc: crc >>> 0,
      compressedSize,
      uncompressedSize,
      offset: start,
    })
  }

  async function close(): Promise<void> {
    const cdStart = offset
    for (const w of written) await write(centralEntry(w))
    const cdSize = offset - cdStart
    const needsZip64 = written.length >= U16_MAX || cdStart >= U32_MAX || cdSize >= U32_MAX
    if (needsZip64) {
      const recordOffset = offset
      const record = Buffer.alloc(56)
      record.writeUInt32LE(ZIP64_EOCD_SIGNATURE, 0)
      record.writeBigUInt64LE(44n, 4) // size of the rest of the record
      record.writeUInt16LE(VERSION_MADE_BY, 12)
      record.writeUInt16LE(VERSION_ZIP64, 14)
      record.writeBigUInt64LE(BigInt(written.length), 24)
      record.writeBigUInt64LE(BigInt(written.length), 32)
      record.writeBigUInt64LE(BigInt(cdSize), 40)
      record.writeBigUInt64LE(BigInt(cdStart), 48)
      const locator = Buffer.alloc(20)
      locator.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, 0)
      locator.writeBigUInt64LE(BigInt(recordOffset), 8)
      locator.writeUInt32LE(1, 16)
      await write(Buffer.concat([record, locator]))
    }
    const eocd = Buffer.alloc(22)
    eocd.writeUInt32LE(EOCD_SIGNATURE, 0)
    eocd.writeUInt16LE(Math.min(written.length, U16_MAX), 8)
    eocd.writeUInt16LE(Math.min(written.length, U16_MAX), 10)
    eocd.writeUInt32LE(Math.min(cdSize, U32_MAX), 12)
    eocd.writeUInt32LE(Math.min(cdStart, U32_MAX), 16)
    await write(eocd)
    await fh.close()
  }

  return { add, close, abort: () => fh.close() }
}

function centralEntry(w: Written): Buffer {
  const big = [w.uncompressedSize, w.compressedSize, w.offset].map((v) => v >= U32_MAX)
  const zip64Values = [w.uncompressedSize, w.compressedSize, w.offset].filter((_, i) => big[i])
  const extraSize = zip64Values.length > 0 ? 4 + 8 * zip64Values.length : 0
  const buf = Buffer.alloc(CENTRAL_HEADER_SIZE + w.name.length + extraSize)
  buf.writeUInt32LE(CENTRAL_SIGNATURE, 0)
  buf.writeUInt16LE(VERSION_MADE_BY, 4)
  buf.writeUInt16LE(zip64Values.length > 0 ? VERSION_ZIP64 : VERSION_DEFLATE, 6)
  buf.writeUInt16LE(FLAG_UTF8, 8)
  buf.writeUInt16LE(METHOD_DEFLATE, 10)
  buf.writeUInt16LE(0, 12)
  buf.writeUInt16LE(DOS_DATE, 14)
  buf.writeUInt32LE(w.crc, 16)
  buf.writeUInt32LE(Math.min(w.compressedSize, U32_MAX), 20)
  buf.writeUInt32LE(Math.min(w.uncompressedSize, U32_MAX), 24)
  buf.writeUInt16LE(w.name.length, 28)
  buf.writeUInt16LE(extraSize, 30)
  // comment length, disk number, internal attributes: 0
  buf.writeUInt32LE((0o100644 << 16) >>> 0, 38) // external attributes: a regular file, rw-r--r--
  buf.writeUInt32LE(Math.min(w.offset, U32_MAX), 42)
  w.name.copy(buf, CENTRAL_HEADER_SIZE)
  if (extraSize > 0) {
    let p = CENTRAL_HEADER_SIZE + w.name.length
    buf.writeUInt16LE(1, p)
    buf.writeUInt16LE(8 * zip64Values.length, p + 2)
    p += 4
    for (const v of zip64Values) {
      buf.writeBigUInt64LE(BigInt(v), p)
      p += 8
    }
  }
  return buf
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done)
    done += bytesWritten
  }
}
