import WinnowService

/// A Kafka record's value -> a prompt group or its dead letter, exactly as `winnow serve` decodes it.
private let decoder = PromptGroupDecoder(maxCandidates: 64)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPromptGroup(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = decoder.decode(Array(UnsafeBufferPointer(start: bytes, count: count)))
    return 0
}
