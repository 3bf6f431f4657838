/**
 * A minimal ZIP writer (and a reader for tests): one local header + data per file, then the
 * central directory and the end record (APPNOTE.TXT §4.3). DEFLATE through zlib, stored instead
 * when deflating would not make the file smaller. No ZIP64, no encryption, no data descriptors:
 * a day's bill is far below 4 GiB.
 *
 * Names are UTF-8 with the language-encoding flag (general purpose bit 11) by default, which
 * every current unzip honours. Alipay's own bill archives appear to carry GBK names without that
 * flag (merchant code in the wild decodes entry names as GBK), so `nameEncoding: 'gbk'` writes
 * that instead, for clients that need to be tested against it.
 */
import * as zlib from 'node:zlib';
import iconv from 'iconv-lite';

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
}

export interface CreateZipOptions {
  /** How entry names are stored (default `utf8`, flagged with bit 11; `gbk` is unflagged). */
  readonly nameEncoding?: 'utf8' | 'gbk';
  /** Modification time stamped on every entry (default now), as Asia/Shanghai wall-clock time. */
  readonly modified?: Date;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const VERSION_NEEDED = 20; // 2.0: deflate
const VERSION_MADE_BY = (3 << 8) | 20; // Unix, spec 2.0: external attributes carry Unix modes
const UNIX_FILE_MODE = 0o100644;
const MAX_U32 = 0xffffffff;
const MAX_U16 = 0xffff;

/** CRC-32 (IEEE, as ZIP and gzip use): zlib.crc32 when Node has it (20.15+), else a table. */
export const crc32: (data: Uint8Array) => number =
  typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : tableCrc32;

let table: Uint32Array | undefined;

/** The portable CRC-32, byte at a time over a 256-entry table. */
export function tableCrc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function createZip(files: readonly ZipEntry[], options: CreateZipOptions = {}): Buffer {
  if (files.length > MAX_U16) throw new RangeError(`at most ${MAX_U16} files in a ZIP without ZIP64`);
  const nameEncoding = options.nameEncoding ?? 'utf8';
  const { time, date } = dosDateTime(options.modified ?? new Date());
  const seen = new Set<string>();
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;

  for (const file of files) {
    if (typeof file.name !== 'string' || file.name === '' || file.name.startsWith('/') || file.name.split(/[\\/]/).includes('..')) {
      throw new RangeError(`invalid ZIP entry name ${JSON.stringify(file.name)}`);
    }
    if (seen.has(file.name)) throw new RangeError(`duplicate ZIP entry name ${JSON.stringify(file.name)}`);
    seen.add(file.name);
    const name = nameEncoding === 'gbk' ? iconv.encode(file.name, 'gbk') : Buffer.from(file.name, 'utf8');
    if (nameEncoding === 'gbk' && iconv.decode(name, 'gbk') !== file.name) {
      throw new RangeError(`ZIP entry name ${JSON.stringify(file.name)} cannot be written in GBK`);
    }
    if (name.length > MAX_U16) throw new RangeError('ZIP entry name too long');
    const flags = nameEncoding === 'utf8' ? FLAG_UTF8 : 0;
    const data = Buffer.isBuffer(file.data) ? file.data : Buffer.from(file.data);
    const deflated = zlib.deflateRawSync(data);
    const [method, body] = deflated.length < data.length ? [METHOD_DEFLATE, deflated] : [METHOD_STORED, data];
    const crc = crc32(data);
    if (data.length > MAX_U32 || body.length > MAX_U32 || offset > MAX_U32) throw new RangeError('ZIP64 is not supported');

    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length

    const central = Buffer.alloc(46);
    central.writeUInt32LE(SIG_CENTRAL, 0);
    central.writeUInt16LE(VERSION_MADE_BY, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    // 30 extra length, 32 comment length, 34 disk number start, 36 internal attributes: all 0
    central.writeUInt32LE((UNIX_FILE_MODE << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);

    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }

  const directory = Buffer.concat(centrals);
  if (offset > MAX_U32 || directory.length > MAX_U32) throw new RangeError('ZIP64 is not supported');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG_END, 0);
  // 4 this disk, 6 disk with the directory: 0
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  // 20 comment length: 0
  return Buffer.concat([...locals, directory, end]);
}

export interface ReadZipEntry extends ZipEntry {
  /** Whether the name had the UTF-8 flag (unflagged names are decoded as GBK). */
  readonly utf8: boolean;
  readonly method: number;
}

/**
 * Reads a ZIP through its central directory: every entry inflated and CRC-checked. Throws on
 * anything it does not understand. Meant for tests and for inspecting what the sandbox serves.
 */
export function readZip(buf: Buffer): ReadZipEntry[] {
  const endAt = findEnd(buf);
  const count = buf.readUInt16LE(endAt + 10);
  const dirSize = buf.readUInt32LE(endAt + 12);
  const dirOffset = buf.readUInt32LE(endAt + 16);
  if (dirOffset + dirSize > endAt) throw new Error('ZIP central directory overlaps the end record');
  const out: ReadZipEntry[] = [];
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > endAt || buf.readUInt32LE(p) !== SIG_CENTRAL) throw new Error(`ZIP central directory entry ${i} is damaged`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const rawName = buf.subarray(p + 46, p + 46 + nameLength);
    const utf8 = (flags & FLAG_UTF8) !== 0;
    const name = utf8 ? rawName.toString('utf8') : iconv.decode(rawName, 'gbk');
    p += 46 + nameLength + extraLength + commentLength;

    if (flags & 0x0001) throw new Error(`ZIP entry ${name} is encrypted`);
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== SIG_LOCAL) throw new Error(`ZIP entry ${name} has no local header`);
    const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (start + compressedSize > dirOffset) throw new Error(`ZIP entry ${name} runs past its data`);
    const body = buf.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === METHOD_STORED) data = Buffer.from(body);
    else if (method === METHOD_DEFLATE) data = zlib.inflateRawSync(body);
    else throw new Error(`ZIP entry ${name} uses unsupported method ${method}`);
    if (data.length !== size) throw new Error(`ZIP entry ${name}: size ${data.length}, directory says ${size}`);
    if (crc32(data) !== crc) throw new Error(`ZIP entry ${name}: CRC mismatch`);
    out.push({ name, data, utf8, method });
  }
  return out;
}

/** The end-of-central-directory record: the last signature whose comment length reaches the end. */
function findEnd(buf: Buffer): number {
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - MAX_U16); i--) {
    if (buf.readUInt32LE(i) === SIG_END && i + 22 + buf.readUInt16LE(i + 20) === buf.length) return i;
  }
  throw new Error('not a ZIP file (no end of central directory record)');
}

/** MS-DOS date and time (2-second resolution, years 1980–2107) of the Asia/Shanghai wall clock. */
function dosDateTime(when: Date): { time: number; date: number } {
  if (Number.isNaN(when.getTime())) throw new RangeError('invalid modification date');
  const d = new Date(when.getTime() + 8 * 3600_000);
  const year = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}
