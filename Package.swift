// swift-tools-version:6.0
import PackageDescription

// Data flows one way: ChatText (conversations -> token ids) -> RewardModel (token ids -> rewards)
// -> the `winnow` CLI. Kafka wraps librdkafka for the service.
let package = Package(
    name: "Winnow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "winnow", targets: ["winnow"]),
        .library(name: "RewardModel", targets: ["RewardModel"]),
        .library(name: "ChatText", targets: ["ChatText"]),
        .library(name: "Kafka", targets: ["Kafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // System libraries, found through pkg-config so a user's own builds are used as they are.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),

        // Token ids -> rewards.
        // The element-wise loops between GEMMs, with AVX2+FMA paths chosen at run time.
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(name: "RewardModel", dependencies: ["CBLAS", "CKernels"], path: "Sources/RewardModel",
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),

        // Conversations -> token ids.
        .target(name: "Tokenizer", path: "Sources/ChatText/Tokenizer"),
        .target(name: "Jinja", path: "Sources/ChatText/Jinja"),
        .target(name: "ChatText", dependencies: ["Tokenizer", "Jinja"], path: "Sources/ChatText/Conversation"),

        // A small safe Swift wrapper over librdkafka.
        .target(name: "Kafka", dependencies: ["CRdKafka"], path: "Sources/Kafka"),

        // Scores -> decisions: rejection sampling, preference pairs, RL rewards.
        .target(name: "Policies", dependencies: ["Jinja"], path: "Sources/Policies"),

        // The service: prompt groups in from Kafka, selections out.
        .target(name: "Winnow", dependencies: [
            "RewardModel", "ChatText", "Jinja", "Kafka", "Policies",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Winnow"),

        // The command-line tool.
        .executableTarget(name: "winnow", dependencies: [
            "RewardModel", "ChatText", "Jinja", "Kafka", "Winnow", "Policies",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/winnow"),

        .testTarget(name: "WinnowCLITests", dependencies: ["winnow"]),
        .testTarget(name: "RewardModelTests", dependencies: ["RewardModel"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer"], resources: [.copy("References")]),
        .testTarget(name: "ChatTextTests", dependencies: ["ChatText", "Jinja"], exclude: ["References"]),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja"], exclude: ["References"]),
        // A real Tansu broker for the tests that need one (a library: test targets cannot share sources).
        .target(name: "BrokerTestSupport", dependencies: ["Kafka"], path: "Tests/BrokerTestSupport"),
        .testTarget(name: "PoliciesTests", dependencies: ["Policies", "Jinja"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "BrokerTestSupport"]),
        .testTarget(name: "WinnowServiceTests", dependencies: ["Winnow", "winnow", "Kafka", "RewardModel", "ChatText", "Jinja",
                                                              "Policies", "BrokerTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
