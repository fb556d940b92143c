import CZlib
import CZstd
import Foundation

/// How a chunk's bytes are stored: as they are, as one gzip member, or as one zstd frame.
/// Both formats read concatenated members/frames as one stream, so a file written a chunk at a
/// time (and cut back to a chunk boundary on resume) is a valid file, byte-identical to one
/// written in a single run.
enum ChunkCompression {
    case none, gzip, zstd

    /// By the output's name: `.gz` or `.zst`.
    init(path: String) {
        if path.hasSuffix(".gz") { self = .gzip } else if path.hasSuffix(".zst") { self = .zstd } else { self = .none }
    }

    func encode(_ bytes: [UInt8]) throws -> [UInt8] {
        switch self {
        case .none: return bytes
        case .gzip: return try Self.gzipMember(bytes)
        case .zstd: return try Self.zstdFrame(bytes)
        }
    }

    /// One gzip member at zlib's default level (no name, mtime 0: the same bytes every time).
    private static func gzipMember(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CommandFailure("zlib could not start compressing")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        var source = bytes
        let status = source.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = input.baseAddress
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw CommandFailure("gzip compression failed (zlib status \(status))") }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    /// One zstd frame at level 3 (zstd's default), with the content size and a checksum.
    private static func zstdFrame(_ bytes: [UInt8]) throws -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { throw CommandFailure("zstd could not start compressing") }
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, 3)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let written = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { ZSTD_compress2(context, out.baseAddress, out.count, $0.baseAddress, $0.count) }
        }
        guard ZSTD_isError(written) == 0 else {
            throw CommandFailure("zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        output.removeLast(output.count - written)
        return output
    }
}

/// The output file (or standard output), written with write(2) so every failure — a full disk,
/// a file-size limit, an I/O error — is seen at once and named. `size` is the bytes it holds.
final class OutputFile {
    let path: String
    private let fd: Int32
    private let closes: Bool
    /// A regular file: it can be synced, cut back and resumed.
    let isRegularFile: Bool
    private(set) var size: Int = 0

    /// `keeping` bytes of an existing file are kept (resume: the checkpointed prefix); the rest
    /// is cut off. nil starts the file empty.
    init(path: String, keeping: Int? = nil) throws {
        self.path = path
        if path == "-" {
            fd = STDOUT_FILENO
            closes = false
            isRegularFile = false
            return
        }
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (keeping == nil ? O_TRUNC : 0)
        fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        closes = true
        var info = stat()
        isRegularFile = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        if let keeping, isRegularFile {
            guard Int(info.st_size) >= keeping else {
                close(fd)
                throw CommandFailure("cannot resume \(path): it holds \(info.st_size) bytes but its checkpoint says \(keeping) were written (the file was changed after the run)")
            }
            try truncate(to: keeping)
        }
    }

    deinit { if closes { close(fd) } }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CommandFailure("cannot write \(path == "-" ? "standard output" : path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        size += bytes.count
    }

    /// Makes what was written durable before a checkpoint names it.
    func sync() throws {
        guard isRegularFile else { return }
        guard fsync(fd) == 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// Cuts the file back to `length` bytes (after a failed write: the last complete chunk).
    func truncate(to length: Int) throws {
        guard isRegularFile else { return }
        guard ftruncate(fd, off_t(length)) == 0, lseek(fd, off_t(length), SEEK_SET) >= 0 else {
            throw CommandFailure("cannot cut \(path) back to \(length) bytes: \(String(cString: strerror(errno)))")
        }
        size = length
    }
}
