/**
 * The zip format's numbers (PKWARE's APPNOTE), read by zip-reader.ts and written by
 * zip-writer.ts: record signatures, fixed record sizes and the compression methods used.
 */
export const LOCAL_SIGNATURE = 0x04034b50
export const CENTRAL_SIGNATURE = 0x02014b50
export const EOCD_SIGNATURE = 0x06054b50
export const ZIP64_EOCD_SIGNATURE = 0x06064b50
export const ZIP64_LOCATOR_SIGNATURE = 0x07064b50
/** A local file header without its name and extra field. */
export const LOCAL_HEADER_SIZE = 30
/** A central directory entry without its name, extra field and comment. */
export const CENTRAL_HEADER_SIZE = 46
export const EOCD_SIZE = 22
export const ZIP64_LOCATOR_SIZE = 20
/** Sizes and offsets at this value live in the zip64 extra field. */
export const U32_MAX = 0xffffffff
export const METHOD_STORED = 0
export const METHOD_DEFLATE = 8
