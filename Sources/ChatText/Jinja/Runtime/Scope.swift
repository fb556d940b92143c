/// A frame of variables. Top-level `set` writes the template's frame; each loop iteration,
/// macro call and `with` block gets a child frame, so their assignments do not leak out.
final class Scope {
    private var vars: [String: JValue] = [:]
    let parent: Scope?

    init(parent: Scope?) { self.parent = parent }

    func lookup(_ name: String) -> JValue? {
        var s: Scope? = self
        while let current = s {
            if let v = current.vars[name] { return v }
            s = current.parent
        }
        return nil
    }

    func set(_ name: String, _ value: JValue) { vars[name] = value }

    /// Drops every variable; breaks the scope <-> macro closure reference cycles after a render.
    func clear() { vars.removeAll() }
}

/// Control flow out of a statement list.
enum Flow {
    case normal, breakLoop, continueLoop
}
