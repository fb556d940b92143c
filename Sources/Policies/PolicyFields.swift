import WinnowJSON

/// Reads one JSON object of a policy, field by field, with errors that name the field's path.
///
/// Unknown fields are errors, not ignored: a misspelt `top_n` silently doing nothing would
/// select the wrong samples without anyone noticing.
struct PolicyFields {
    let path: String
    private let object: JSONObject
    private var read: Set<String> = []

    init(_ value: JSONValue, path: String) throws(PolicyError) {
        guard case .object(let object) = value else { throw .invalid(path: path, message: "must be an object") }
        self.path = path
        self.object = object
    }

    func fail(_ key: String, _ message: String) -> PolicyError { .invalid(path: "\(path).\(key)", message: message) }

    /// A finite number, or nil when the field is absent or null.
    mutating func number(_ key: String) throws(PolicyError) -> Double? {
        read.insert(key)
        switch object[key] {
        case nil, .null?: return nil
        case .int(let i)?: return Double(i)
        case .double(let d)? where d.isFinite: return d
        default: throw fail(key, "must be a finite number")
        }
    }

    /// A number satisfying `check` (described by `requirement`, e.g. "> 0").
    mutating func number(_ key: String, _ requirement: String, _ check: (Double) -> Bool) throws(PolicyError) -> Double? {
        guard let value = try number(key) else { return nil }
        guard check(value) else { throw fail(key, "must be \(requirement), got \(value)") }
        return value
    }

    /// A whole number >= `minimum`.
    mutating func integer(_ key: String, minimum: Int) throws(PolicyError) -> Int? {
        read.insert(key)
        switch object[key] {
        case nil, .null?: return nil
        case .int(let i)? where i >= minimum: return i
        case .double(let d)? where d == d.rounded() && d >= Double(minimum) && d < 1e15: return Int(d)
        default: throw fail(key, "must be an integer >= \(minimum)")
        }
    }

    /// One of `choices`.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(PolicyError) -> T?
    where T.RawValue == String {
        read.insert(key)
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?:
            if let value = T(rawValue: s) { return value }
            fallthrough
        default:
            throw fail(key, "must be one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
    }

    /// A nested value, for the caller to read further (nil when absent or null).
    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        if case .null? = object[key] { return nil }
        return object[key]
    }

    /// Marks fields as known without reading them.
    mutating func allow(_ keys: [String]) { read.formUnion(keys) }

    /// Throws for any field nobody asked for.
    func rejectUnknown() throws(PolicyError) {
        if let unknown = object.keys.first(where: { !read.contains($0) }) {
            throw fail(unknown, "unknown field (expected one of \(read.sorted().joined(separator: ", ")))")
        }
    }
}
