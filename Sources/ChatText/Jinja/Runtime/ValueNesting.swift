/// How deeply a template may nest the values it stores.
///
/// A loop can wrap a value once per iteration (`{% set ns.x = [ns.x] %}`), and 100,000 levels
/// overflow the stack when the value is printed, compared or merely freed (Swift releases
/// nested arrays recursively). Values are checked where they are stored, so every value a
/// template builds stays within this limit plus what one expression adds (the parser's depth).
enum ValueNesting {
    /// Above the JSON readers' 512 levels, so any context a template is given can be stored.
    static let limit = 600

    static func check(_ value: JValue, line: Int) throws {
        var visited = Set<ObjectIdentifier>()
        if depth(value, within: limit, visited: &visited) > limit {
            throw TemplateError.python(type: "RecursionError", message: "value nested more than \(limit) levels deep", line: line)
        }
    }

    /// Nesting depth of `value`, counted up to `budget + 1` and no further. Namespaces are
    /// references (a namespace may hold itself): each is entered once.
    private static func depth(_ value: JValue, within budget: Int, visited: inout Set<ObjectIdentifier>) -> Int {
        guard budget >= 0 else { return 1 }
        var children: [JValue]
        switch value {
        case let .list(items), let .tuple(items): children = items
        case let .dict(d): children = d.values
        case let .namespace(ns):
            guard visited.insert(ObjectIdentifier(ns)).inserted else { return 0 }
            children = ns.attributes.values
        default: return 0
        }
        var deepest = 0
        for child in children {
            switch child {
            case .list, .tuple, .dict, .namespace:
                deepest = max(deepest, depth(child, within: budget - 1, visited: &visited))
                if deepest > budget { return deepest + 1 }
            default: continue
            }
        }
        return deepest + 1
    }
}
