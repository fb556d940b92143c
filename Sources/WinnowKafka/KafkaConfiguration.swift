/// librdkafka configuration properties, passed to librdkafka's configuration unchanged.
///
/// Any property librdkafka documents (CONFIGURATION.md) works, including TLS (`security.protocol`,
/// `ssl.*`) and SASL (`sasl.*`), both global and topic-level ones. Unknown names and bad values
/// are reported when a client is created (or by `validate()`) as a `KafkaError` of kind
/// `.unknownProperty` / `.invalidProperty` carrying librdkafka's own message.
public struct KafkaConfiguration: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// Property name to value, exactly as librdkafka spells them.
    public var properties: [String: String]

    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// Applies a `key=value` assignment, as given to a command-line `-X` flag.
    public mutating func set(assignment: String) throws {
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
            throw KafkaError(kind: .invalidProperty(assignment), code: .invalidArgument,
                             message: "expected key=value, got \"\(assignment)\"")
        }
        properties[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
    }

    /// The same configuration with `overrides` applied on top.
    public func merging(_ overrides: [String: String]) -> KafkaConfiguration {
        KafkaConfiguration(properties.merging(overrides, uniquingKeysWith: { _, new in new }))
    }

    /// Checks every property with librdkafka without creating a client.
    public func validate() throws {
        _ = try RDKafkaConfig(self)
    }
}
