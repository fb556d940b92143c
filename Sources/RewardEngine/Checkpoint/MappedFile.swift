import Foundation

/// A read-only memory mapping of a whole file.
///
/// Weights are mapped rather than read so that several processes scoring with the same
/// checkpoint share the page cache, and so that tensors kept in their on-disk dtype cost no
/// private memory until they are touched.
/// `@unchecked Sendable`: the mapping is read-only (PROT_READ) and unmapped only in `deinit`,
/// when no reference — hence no reader — is left.
public final class MappedFile: @unchecked Sendable {
    public let url: URL
    /// Start of the mapping; valid for the lifetime of this object.
    public let base: UnsafeRawPointer
    public let count: Int

    public init(url: URL) throws {
        self.url = url
        // Non-blocking so that a FIFO in place of a weights file cannot hang the load.
        let fd = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw CheckpointError.unreadableFile(url.path, String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CheckpointError.unreadableFile(url.path, String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError.unreadableFile(url.path, "not a regular file")
        }
        count = Int(info.st_size)
        guard count > 0 else { throw CheckpointError.truncatedFile(url.path, "the file is empty") }
        guard let mapping = mmap(nil, count, PROT_READ, MAP_SHARED, fd, 0), mapping != MAP_FAILED else {
            throw CheckpointError.unreadableFile(url.path, String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(mapping)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), count)
    }
}
