/// Python's `repr(float)`, which `json.dumps` also uses: the shortest digits that read back to the
/// same double, in positional notation for 1e-4 <= |x| < 1e16 and scientific outside.
///
/// Jinja's `tojson` must match transformers' output byte for byte, and records written in the same
/// layout read the same in Python; Swift's `description` has the same digits but switches to
/// scientific at other points (`1e+16` vs `1e16` agree, `9007199254740992.0` vs
/// `9.007199254740992e+15` do not).
public enum PythonFloat {
    /// `repr(d)`: `nan`, `inf`, `-inf` for the non-finite values (JSON writers map those first).
    public static func repr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description also prints the shortest round-tripping digits; only the layout differs.
        var text = d.description
        var negative = false
        if text.hasPrefix("-") { negative = true; text.removeFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var intPart = text
        var fracPart = ""
        if let dot = text.firstIndex(of: ".") {
            intPart = String(text[..<dot])
            fracPart = String(text[text.index(after: dot)...])
        }
        var digits = intPart + fracPart
        var pointPos = intPart.count + exponent  // value = 0.digits * 10^pointPos
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); pointPos -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let n = digits.count
        let sciExp = pointPos - 1
        var out: String
        if sciExp >= -4 && sciExp < 16 {
            if pointPos <= 0 {
                out = "0." + String(repeating: "0", count: -pointPos) + digits
            } else if pointPos >= n {
                out = digits + String(repeating: "0", count: pointPos - n) + ".0"
            } else {
                let idx = digits.index(digits.startIndex, offsetBy: pointPos)
                out = String(digits[..<idx]) + "." + String(digits[idx...])
            }
        } else {
            out = String(digits.first ?? "0")
            if n > 1 { out += "." + digits.dropFirst() }
            let mag = abs(sciExp)
            out += "e" + (sciExp < 0 ? "-" : "+") + (mag < 10 ? "0" : "") + String(mag)
        }
        return negative ? "-" + out : out
    }
}
