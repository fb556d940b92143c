// swift-tools-version:6.0
import PackageDescription

// Data flows one way: ChatText (conversations -> token ids) -> RewardEngine (token ids -> rewards)
// -> Policies (scores -> decisions) -> WinnowService (Kafka records in, selections out) and the
// `winnow` command line (WinnowCLI). WinnowKafka wraps librdkafka for the service.
//
// Linux only (x86_64 and arm64; built and tested on Debian): the service reads /proc, uses Glibc's
// sockets and signals, and links OpenBLAS and librdkafka through pkg-config. No Apple platform is
// declared because none is built or tested.
let package = Package(
    name: "Winnow",
    products: [
        .executable(name: "winnow", targets: ["WinnowCLI"]),
        .library(name: "RewardEngine", targets: ["RewardEngine"]),
        .library(name: "ChatText", targets: ["ChatText"]),
        .library(name: "WinnowKafka", targets: ["WinnowKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // The HTTP front door (`winnow serve --http-address`).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // OrderedDictionary for JSON objects, which keep their keys in the order they came.
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // System libraries, found through pkg-config so a user's own builds are used as they are.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "COpenSSLCrypto", path: "Sources/COpenSSLCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // gzip and zstd for `winnow score`'s compressed JSONL (streamed, one member or frame per chunk).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),

        // Token ids -> rewards.
        // The element-wise loops between GEMMs, with AVX2+FMA paths chosen at run time.
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(name: "RewardEngine", dependencies: ["CBLAS", "CKernels", "WinnowJSON"], path: "Sources/RewardEngine"),

        // The one JSON reader, value type and writer: tokenizer.json, chat templates' data and
        // `tojson`, records in and out, config files.
        .target(name: "WinnowJSON", dependencies: [
            .product(name: "OrderedCollections", package: "swift-collections"),
        ], path: "Sources/WinnowJSON"),

        // Conversations -> token ids: tokenizer.json, the Jinja2 engine for chat templates, and the
        // model-card scoring input built from both.
        .target(name: "WinnowTokenizer", dependencies: ["WinnowJSON"], path: "Sources/ChatText/Tokenizer"),
        .target(name: "WinnowJinja", dependencies: [
            "WinnowJSON", .product(name: "OrderedCollections", package: "swift-collections"),
        ], path: "Sources/ChatText/Jinja"),
        .target(name: "ChatText", dependencies: ["WinnowTokenizer", "WinnowJinja", "WinnowJSON"],
                path: "Sources/ChatText/Conversation"),

        // A small safe Swift layer over librdkafka.
        .target(name: "WinnowKafka", dependencies: ["CRdKafka"], path: "Sources/WinnowKafka"),

        // Scores -> decisions: rejection sampling, preference pairs, RL rewards.
        .target(name: "Policies", dependencies: ["WinnowJSON"], path: "Sources/Policies"),

        // The service: prompt groups in from Kafka, selections out.
        .target(name: "WinnowService", dependencies: [
            "RewardEngine", "ChatText", "WinnowJinja", "WinnowJSON", "WinnowKafka", "Policies", "COpenSSLCrypto",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/WinnowService"),

        // The HTTP front door: SGLang, vLLM and OpenRLHF reward endpoints and native prompt groups,
        // dynamically batched onto the same model, plus /metrics and the probes.
        .target(name: "WinnowHTTP", dependencies: [
            "RewardEngine", "ChatText", "WinnowJinja", "WinnowJSON", "Policies", "WinnowService",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/WinnowHTTP"),

        // The command-line tool, built as the `winnow` executable.
        .executableTarget(name: "WinnowCLI", dependencies: [
            "RewardEngine", "ChatText", "WinnowJinja", "WinnowJSON", "WinnowKafka", "WinnowService", "Policies", "WinnowHTTP",
            "CZlib", "CZstd",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/WinnowCLI"),

        .testTarget(name: "WinnowJSONTests", dependencies: ["WinnowJSON"]),
        .testTarget(name: "WinnowCLITests", dependencies: ["WinnowCLI", "WinnowJSON"]),
        .testTarget(name: "RewardEngineTests", dependencies: ["RewardEngine", "CKernels"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "WinnowTokenizerTests", dependencies: ["WinnowTokenizer", "WinnowJSON"], resources: [.copy("References")]),
        .testTarget(name: "ChatTextTests", dependencies: ["ChatText", "WinnowJinja", "WinnowJSON"], exclude: ["References"]),
        .testTarget(name: "WinnowJinjaTests", dependencies: ["WinnowJinja", "WinnowJSON"], exclude: ["References"]),
        // A real Tansu broker for the tests that need one (a library: test targets cannot share sources).
        .target(name: "BrokerTestSupport", dependencies: ["WinnowKafka"], path: "Tests/BrokerTestSupport"),
        .testTarget(name: "PoliciesTests", dependencies: ["Policies", "WinnowJSON"]),
        .testTarget(name: "WinnowKafkaTests", dependencies: ["WinnowKafka", "BrokerTestSupport"]),
        // Real clients (Python requests + transformers, curl) against a `winnow serve --http-address`.
        .testTarget(name: "WinnowHTTPTests", dependencies: ["WinnowCLI", "BrokerTestSupport"], exclude: ["Clients"]),
        .testTarget(name: "WinnowServiceTests", dependencies: ["WinnowService", "WinnowCLI", "WinnowHTTP", "WinnowKafka", "RewardEngine",
                                                              "ChatText", "WinnowJinja", "WinnowJSON", "Policies", "BrokerTestSupport"]),
    ],
    // Swift 6 language mode (strict concurrency) for every target, the fuzz targets included.
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Fuzz/), declared only for `make fuzz` / `make fuzz-smoke`, which build them
// with WINNOW_FUZZ=1 and `--sanitize fuzzer` in their own scratch path (.build-fuzz), so the
// normal build never compiles or links them.
if Context.environment["WINNOW_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("TokenizerJSON", ["WinnowTokenizer", "WinnowJSON"]),
        ("TokenizerEncode", ["WinnowTokenizer"]),
        ("JSONValue", ["WinnowJSON", "Policies"]),
        ("PromptGroup", ["WinnowService"]),
        ("Jinja", ["WinnowJinja"]),
        ("Checkpoint", ["RewardEngine"]),
    ]
    for target in fuzzTargets {
        package.targets.append(.executableTarget(
            name: "Fuzz\(target.name)", dependencies: target.dependencies, path: "Fuzz/\(target.name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
        package.products.append(.executable(name: "fuzz-\(target.name)", targets: ["Fuzz\(target.name)"]))
    }
}
