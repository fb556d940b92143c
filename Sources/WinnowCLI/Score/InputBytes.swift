import CZlib
import CZstd
import Foundation

/// A stream of bytes read front to back: a file or standard input, decompressed when it is
/// gzip or zstd. `read` returns 0 only at the end; a failure names the input.
protocol InputBytes: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Opens `path` ("-": standard input) and picks the decoder from its first bytes (gzip `1f 8b`,
/// zstd `28 b5 2f fd`), so a compressed stdin works as well as `.gz` and `.zst` files.
func openInput(_ path: String) throws -> InputBytes {
    let file = try FileBytes(path: path)
    let head = try file.peek(4)
    if head.starts(with: [0x1F, 0x8B]) { return try GzipBytes(file) }
    if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return try ZstdBytes(file) }
    return file
}

/// Raw bytes of a file descriptor.
final class FileBytes: InputBytes {
    let name: String
    private let fd: Int32
    private let closes: Bool
    /// Bytes read by `peek` and not yet returned by `read`.
    private var pending: [UInt8] = []

    init(path: String) throws {
        name = path == "-" ? "standard input" : path
        if path == "-" {
            fd = STDIN_FILENO
            closes = false
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CommandFailure("cannot read \(path): \(String(cString: strerror(errno)))") }
            closes = true
            var info = stat()
            if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw CommandFailure("cannot read \(path): it is a directory")
            }
        }
    }

    deinit { if closes { close(fd) } }

    /// Up to `count` first bytes, returned again by the next reads.
    func peek(_ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = try buffer.withUnsafeMutableBytes { try rawRead(UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if n == 0 { break }
            filled += n
        }
        pending = Array(buffer[..<filled])
        return pending
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !pending.isEmpty {
            let n = min(pending.count, buffer.count)
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: pending.withUnsafeBytes { $0 }[..<n]))
            pending.removeFirst(n)
            return n
        }
        return try rawRead(buffer)
    }

    private func rawRead(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw CommandFailure("cannot read \(name): \(String(cString: strerror(errno)))")
        }
    }
}

/// gzip, including files of several concatenated members (what `winnow score` writes, and
/// what `cat a.gz b.gz` makes).
final class GzipBytes: InputBytes {
    private let source: FileBytes
    private var stream = z_stream()
    private let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
    private var sourceEnded = false
    /// A member was started and has not reached its end: the input must not end here.
    private var inMember = false

    init(_ source: FileBytes) throws {
        self.source = source
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            input.deallocate()
            throw CommandFailure("cannot read \(source.name): zlib could not start")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if stream.avail_in == 0 && !sourceEnded {
                let n = try source.read(into: input)
                if n == 0 { sourceEnded = true } else {
                    stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_in = uInt(n)
                }
            }
            if stream.avail_in == 0 && sourceEnded {
                if inMember { throw CommandFailure("cannot read \(source.name): the gzip data ends in the middle of a member (truncated file)") }
                return 0
            }
            inMember = true
            stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(buffer.count)
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = buffer.count - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END:
                inflateReset(&stream)
                inMember = false
            case Z_OK, Z_BUF_ERROR:
                break
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw CommandFailure("cannot read \(source.name): corrupt gzip data (\(reason))")
            }
            if produced > 0 { return produced }
        }
    }
}

/// zstd, including files of several concatenated frames.
final class ZstdBytes: InputBytes {
    private let source: FileBytes
    private let stream: OpaquePointer
    private let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 1)
    private var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    private var sourceEnded = false
    /// A frame was started and has not reached its end.
    private var inFrame = false

    init(_ source: FileBytes) throws {
        self.source = source
        guard let stream = ZSTD_createDStream() else {
            input.deallocate()
            throw CommandFailure("cannot read \(source.name): zstd could not start")
        }
        self.stream = stream
        ZSTD_initDStream(stream)
    }

    deinit {
        ZSTD_freeDStream(stream)
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if inBuffer.pos == inBuffer.size && !sourceEnded {
                let n = try source.read(into: input)
                if n == 0 { sourceEnded = true } else { inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: n, pos: 0) }
            }
            let inputLeft = inBuffer.pos < inBuffer.size
            if !inputLeft && sourceEnded && !inFrame { return 0 }
            var outBuffer = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            let status = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
            if ZSTD_isError(status) != 0 {
                throw CommandFailure("cannot read \(source.name): corrupt zstd data (\(String(cString: ZSTD_getErrorName(status))))")
            }
            inFrame = status != 0
            if outBuffer.pos > 0 { return outBuffer.pos }
            if !inputLeft && sourceEnded && inFrame {
                throw CommandFailure("cannot read \(source.name): the zstd data ends in the middle of a frame (truncated file)")
            }
        }
    }
}
