import OrderedCollections

/// An object key compared and hashed by its UTF-8 bytes.
///
/// Swift's `String ==` compares by canonical equivalence, so "é" (U+00E9) and "e\u{301}" would be
/// one key and a tokenizer vocabulary holding both would silently lose an entry. JSON keys are
/// distinct when their text is, as in Python and serde_json.
public struct JSONKey: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The key's text.
    public let string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { self.string = value }

    public var description: String { string }

    public static func == (lhs: JSONKey, rhs: JSONKey) -> Bool {
        lhs.string.utf8.count == rhs.string.utf8.count && lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        var text = string
        // withUTF8 only copies for bridged or non-contiguous strings; readers make native ones.
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// A JSON object: string keys in insertion order (swift-collections' `OrderedDictionary`).
///
/// A repeated key keeps its first position and its last value, as Python's `json` and dict
/// literals do and as serde_json's maps do (tokenizers reads its vocabulary into one).
public struct JSONObject: Sendable, Hashable, Sequence {
    /// The members, in order.
    public private(set) var members: OrderedDictionary<JSONKey, JSONValue>

    /// An empty object.
    public init() { members = [:] }

    /// An object with room for `capacity` members.
    public init(minimumCapacity capacity: Int) { members = OrderedDictionary(minimumCapacity: capacity) }

    /// An object from pairs in order (a repeated key: first position, last value).
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        members = [:]
        for (key, value) in pairs { self[key] = value }
    }

    /// The number of members.
    public var count: Int { members.count }
    /// Whether there are no members.
    public var isEmpty: Bool { members.isEmpty }
    /// The keys in order.
    public var keys: [String] { members.keys.map(\.string) }
    /// The values in key order.
    public var values: [JSONValue] { Array(members.values) }

    /// The value of `key` (compared byte for byte); setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get { members[JSONKey(key)] }
        set { members[JSONKey(key)] = newValue }
    }

    /// Sets `value` for `key`: a new key goes last, an existing one keeps its place.
    public mutating func set(_ key: JSONKey, _ value: JSONValue) { members[key] = value }

    public func makeIterator() -> Iterator { Iterator(base: members.makeIterator()) }

    /// Yields `(key, value)` pairs in order.
    public struct Iterator: IteratorProtocol {
        var base: OrderedDictionary<JSONKey, JSONValue>.Iterator
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard let (key, value) = base.next() else { return nil }
            return (key.string, value)
        }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
