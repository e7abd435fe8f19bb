import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { InputFormatError } from './formats/errors.js'

/**
 * Largest input file read (and largest gunzipped size): past it a read would exhaust memory, and JSON past
 * ~512 MB cannot be parsed by V8 anyway.
 */
export const MAX_INPUT_BYTES = 1024 * 1024 * 1024

/**
 * The bytes of an input file, which must be a regular file no larger than `max`. Opened non-blocking and
 * checked on the open handle, so a FIFO (no writer: a read would wait forever), a device (/dev/zero: a read
 * never ends), a directory or a symlink loop is a typed error naming the file, never a hang.
 */
export async function readRegularFile(path: string, max = MAX_INPUT_BYTES): Promise<Buffer> {
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (e) {
    throw new InputFormatError(path, 'file', `cannot open: ${(e as Error).message}`)
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file'
      throw new InputFormatError(path, 'file', `${kind}, not a regular file: only regular files are read`)
    }
    if (st.size > max) throw new InputFormatError(path, 'file', `${st.size} bytes, more than the ${max}-byte limit for an input file`)
    // Read what stat saw, no more: a file still growing is read up to that size.
    // Not from the shared pool: callers may transfer `.buffer` to a worker.
    const out = Buffer.allocUnsafeSlow(st.size)
    let at = 0
    while (at < out.length) {
      const { bytesRead } = await handle.read(out, at, out.length - at, at)
      if (bytesRead === 0) break
      at += bytesRead
    }
    return at === out.length ? out : out.subarray(0, at)
  } catch (e) {
    if (e instanceof InputFormatError) throw e
    throw new InputFormatError(path, 'file', `cannot read: ${(e as Error).message}`)
  } finally {
    await handle.close()
  }
}

/** Gunzip with the same size bound: a small .gz can expand to gigabytes. */
export function gunzipBounded(bytes: Uint8Array, path: string, max = MAX_INPUT_BYTES): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: max })
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InputFormatError(path, 'file', `gzip expands past the ${max}-byte limit for an input file`)
    }
    throw new InputFormatError(path, 'file', `not valid gzip (${(e as Error).message})`)
  }
}
