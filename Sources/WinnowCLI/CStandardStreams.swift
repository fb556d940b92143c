// Glibc declares `stdin` and `stdout` as mutable C globals, which Swift 6 refuses to read from
// concurrent code. The C library sets them before `main` and nothing here reassigns them, so
// reading them is safe; `@preconcurrency` says so for this file only, and the rest of the CLI
// reaches them through these two names.
@preconcurrency import Glibc

/// The C library's standard streams, for the `FILE`-based JSONL reader and writer.
enum CStandardStreams {
    static var input: UnsafeMutablePointer<FILE> { stdin }
    static var output: UnsafeMutablePointer<FILE> { stdout }
}
