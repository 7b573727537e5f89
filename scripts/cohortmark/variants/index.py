"""Whether a VCF/BCF index can be trusted for region queries.

htslib answers a region query through a ``.csi`` or ``.tbi`` index by seeking to the offsets the
index records. An index that is stale (records appended after indexing), that belongs to another
file, or that sits beside a file that is not BGZF-compressed makes the query return nothing or
the wrong records, and htslib only prints a warning: the panel gene then looks wild type. This
module checks an index against its data file *before* a query is trusted:

- the data file is BGZF (every block a gzip member with the ``BC`` extra field, ending with the
  28-byte BGZF end-of-file marker);
- the index parses (``TBI\\1`` or ``CSI\\1`` magic, BGZF-compressed);
- every offset in the index lies on a BGZF block of the data, and the first record of each
  indexed contig sits where the index says and is on that contig;
- the end of the last indexed record is the end of the data (nothing appended since).

``index_problem`` returns ``None`` (trust the index) or a sentence saying what is wrong; the
reader then reads the whole file instead (see ``cohortmark.variants.vcf``).

File dates are deliberately not a criterion (htslib warns when an index is older than its
data): ``cp -r`` of a project gives every file the time it was copied, in directory order, so
an index is often microseconds older than its VCF while describing it exactly. The checks
above compare the index with the data itself, so an index that passes them describes this
file, whatever the dates say.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
TBI_PSEUDO_BIN = 37450


def companion_files(path: str | os.PathLike) -> list[str]:
    """The index files that reading ``path`` depends on: the one htslib would use.

    htslib looks for ``<path>.csi`` first, then ``<path>.tbi`` (a BCF only has ``.csi``). A MAF
    or a VCF without an index has none. The per-patient cache and the workflow's input lists
    key on these files, so that replacing or touching an index reruns the patient.
    """
    path = str(path)
    for ext in (".csi", ".tbi"):
        if os.path.exists(path + ext):
            return [path + ext]
    return []


def _bgzf_block_size(header: bytes) -> int | None:
    """Total size of the BGZF block starting with ``header`` (>= 18 bytes), None if not BGZF."""
    if len(header) < 18 or header[:4] != b"\x1f\x8b\x08\x04":
        return None
    xlen = struct.unpack_from("<H", header, 10)[0]
    extra = header[12:12 + xlen]
    i = 0
    while i + 4 <= len(extra):
        si1, si2, slen = extra[i], extra[i + 1], struct.unpack_from("<H", extra, i + 2)[0]
        if si1 == 66 and si2 == 67 and slen == 2 and i + 6 <= len(extra):
            return struct.unpack_from("<H", extra, i + 4)[0] + 1
        i += 4 + slen
    return None


def is_bgzf(path: str | os.PathLike) -> bool:
    """True when the file starts with a BGZF block (what ``bgzip`` and htslib write)."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    return _bgzf_block_size(head) is not None


def bgzf_blocks(path: str | os.PathLike) -> tuple[list[int], list[int]] | str:
    """(block start offsets, uncompressed sizes) of every BGZF block, or a sentence saying why
    the file is not a well-formed BGZF file. Reads 18 bytes at each block start and the last 4
    (ISIZE) of each block: a few hundred thousand small reads for a whole-genome VCF."""
    size = os.path.getsize(path)
    starts, sizes = [], []
    with open(path, "rb") as fh:
        offset = 0
        while offset < size:
            fh.seek(offset)
            header = fh.read(18 + 64)
            block = _bgzf_block_size(header)
            if block is None:
                if offset == 0:
                    return "the file is not BGZF-compressed (plain gzip or uncompressed)"
                return f"the file's BGZF block structure is broken at byte {offset}"
            if offset + block > size:
                return f"the file's last BGZF block (byte {offset}) is truncated"
            fh.seek(offset + block - 4)
            isize = struct.unpack("<I", fh.read(4))[0]
            starts.append(offset)
            sizes.append(isize)
            offset += block
    if size < len(BGZF_EOF) or _read(path, size - len(BGZF_EOF), len(BGZF_EOF)) != BGZF_EOF:
        return "the file lacks the BGZF end-of-file marker (truncated or still being written?)"
    return starts, sizes


def _read(path, offset: int, n: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(offset)
        return fh.read(n)


def _inflate_block(path, offset: int, memo: dict | None = None) -> bytes:
    """The decompressed BGZF block at ``offset``; ``memo`` keeps blocks already inflated (the
    first records of several contigs of a small file often share a block)."""
    if memo is not None:
        if offset not in memo:
            memo[offset] = _inflate_block(path, offset)
        return memo[offset]
    with open(path, "rb") as fh:
        fh.seek(offset)
        header = fh.read(18)
        block = _bgzf_block_size(header)
        fh.seek(offset)
        raw = fh.read(block)
    return zlib.decompress(raw[18:-8], -15)


class _IndexFormatError(Exception):
    pass


def parse_index(index_path: str) -> dict:
    """A .tbi or .csi index as {kind, names, refs}: ``refs`` lists per reference the sorted
    virtual offsets of its chunks (begin, end) and the pseudo-bin's (ref_beg, ref_end) when
    present. Raises _IndexFormatError for anything that is not a well-formed index."""
    try:
        with gzip.open(index_path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError, zlib.error) as e:
        raise _IndexFormatError(f"the index is not a BGZF-compressed file ({e})") from None
    try:
        return _parse(data)
    except (struct.error, IndexError, UnicodeDecodeError):
        raise _IndexFormatError("the index is truncated or corrupt") from None


def _parse(data: bytes) -> dict:
    magic = data[:4]
    pos = 4
    names: list[str] = []
    if magic == b"TBI\x01":
        n_ref = struct.unpack_from("<i", data, pos)[0]
        pos += 4 + 24  # format, col_seq, col_beg, col_end, meta, skip
        l_nm = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        names = [n.decode() for n in data[pos:pos + l_nm].split(b"\0") if n]
        pos += l_nm
        pseudo, csi, depth = TBI_PSEUDO_BIN, False, 5
    elif magic == b"CSI\x01":
        min_shift, depth, l_aux = struct.unpack_from("<iii", data, pos)
        pos += 12
        aux = data[pos:pos + l_aux]
        pos += l_aux
        if l_aux >= 28:  # tabix meta data: format..skip, l_nm, names (VCF.gz); empty for BCF
            l_nm = struct.unpack_from("<i", aux, 24)[0]
            names = [n.decode() for n in aux[28:28 + l_nm].split(b"\0") if n]
        n_ref = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        pseudo, csi = ((1 << ((depth + 1) * 3)) - 1) // 7 + 1, True
    else:
        raise _IndexFormatError("the index is neither a tabix (.tbi) nor a CSI index")
    if n_ref < 0 or (names and len(names) != n_ref):
        raise _IndexFormatError("the index is truncated or corrupt")
    refs = []
    for _ in range(n_ref):
        n_bin = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        chunks, pseudo_chunk = [], None
        for _ in range(n_bin):
            if csi:
                bin_, _loff, n_chunk = struct.unpack_from("<IQi", data, pos)
                pos += 16
            else:
                bin_, n_chunk = struct.unpack_from("<Ii", data, pos)
                pos += 8
            pairs = [struct.unpack_from("<QQ", data, pos + 16 * k) for k in range(n_chunk)]
            pos += 16 * n_chunk
            if bin_ == pseudo and n_chunk == 2:
                pseudo_chunk = pairs[0]
            else:
                chunks.extend(pairs)
        if not csi:
            n_intv = struct.unpack_from("<i", data, pos)[0]
            pos += 4 + 8 * n_intv
        refs.append({"chunks": sorted(chunks), "span": pseudo_chunk})
    return {"kind": "csi" if csi else "tbi", "names": names, "refs": refs}


def index_problem(path: str | os.PathLike, index_path: str | None = None) -> str | None:
    """None when the index of ``path`` can be trusted for region queries, else what is wrong."""
    path = str(path)
    if index_path is None:
        found = companion_files(path)
        if not found:
            return None
        index_path = found[0]
    name = os.path.basename(index_path)
    if os.path.getsize(index_path) == 0:
        return f"its index {name} is empty"
    blocks = bgzf_blocks(path)
    if isinstance(blocks, str):
        return f"{blocks}, so its index {name} cannot be used"
    starts, sizes = blocks
    try:
        index = parse_index(index_path)
    except _IndexFormatError as e:
        return f"its index {name}: {e}"
    where = {s: i for i, s in enumerate(starts)}
    cumulative = [0]
    for s in sizes:
        cumulative.append(cumulative[-1] + s)

    def absolute(voffset: int) -> int | None:
        block, within = voffset >> 16, voffset & 0xFFFF
        i = where.get(block)
        if i is None or within > sizes[i]:
            return None
        return cumulative[i] + within

    blocks_seen: dict[int, bytes] = {}
    bcf = _inflate_block(path, 0, blocks_seen)[:3] == b"BCF"
    last_end = 0
    for ref_id, ref in enumerate(index["refs"]):
        offsets = [o for pair in ref["chunks"] for o in pair]
        if ref["span"] is not None:
            offsets.extend(ref["span"])
        if not offsets:
            continue
        absolutes = [absolute(o) for o in offsets]
        if any(a is None for a in absolutes):
            return (f"its index {name} points outside the file's data (an index of another file, "
                    "or the file was rewritten after indexing)")
        last_end = max(last_end, max(absolutes))
        first = ref["span"][0] if ref["span"] is not None else ref["chunks"][0][0]
        label = index["names"][ref_id] if index["names"] else ref_id
        if not _record_matches(path, first >> 16, first & 0xFFFF, label, bcf, blocks_seen):
            return (f"its index {name} does not match the file: the first record it lists for "
                    f"contig {label} is not there (an index of another file?)")
    if last_end == 0:  # an index listing no record: the file must hold none either
        last_end = _header_end(path, bcf)
    if last_end != cumulative[-1]:
        return (f"its index {name} ends before the file's data does (records were added after "
                "indexing)")
    return None


def _header_end(path, bcf: bool) -> int | None:
    """Uncompressed offset where the records of a BGZF VCF/BCF begin (None if unknown)."""
    with gzip.open(path, "rb") as fh:
        if bcf:
            head = fh.read(9)
            return 9 + struct.unpack_from("<I", head, 5)[0] if len(head) == 9 else None
        offset = 0
        for line in fh:
            if not line.startswith(b"#"):
                return offset
            offset += len(line)
        return offset


def _record_matches(path, block: int, within: int, label, bcf: bool,
                    memo: dict | None = None) -> bool:
    """Does the record at virtual offset (block, within) belong to contig ``label``?"""
    data = _inflate_block(path, block, memo)
    tail = data[within:]
    if len(tail) < 16:
        try:  # the record starts at the end of this block: take the next one too
            size = _bgzf_block_size(_read(path, block, 18))
            tail += _inflate_block(path, block + size, memo)
        except (TypeError, zlib.error, OSError):
            return False
    if bcf:  # l_shared, l_indiv, CHROM (contig id) as little-endian int32
        return len(tail) >= 12 and struct.unpack_from("<i", tail, 8)[0] == label
    return tail.startswith(f"{label}\t".encode())
