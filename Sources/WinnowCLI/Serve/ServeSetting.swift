import ArgumentParser

/// One `winnow serve` setting: its flag, environment variable, config-file key, default, help
/// text and the values it accepts. `ServeSettings.all` is the table of them; the flags' help,
/// the config file's known keys, the resolution (flag > environment > config file > default) and
/// README's list of settings all come from that table.
struct ServeSetting: Sendable, Hashable {
    /// What a value may be; checked the same way whichever source gave it.
    enum Values: Sendable, Hashable {
        /// Any text.
        case text
        /// An integer within the range.
        case integer(ClosedRange<Int>)
        /// A number within the range, in `unit` (seconds, milliseconds).
        case number(ClosedRange<Double>, unit: String)
        /// true or false (also 1/0, yes/no).
        case boolean
        /// One of these words.
        case choice([String])
        /// A JSON object or @FILE (the selection policy).
        case policy
        /// librdkafka properties: -X key=value (repeatable), `key=value;...` in the environment,
        /// an object in the config file; merged, not replaced (file, then environment, then -X).
        case kafkaProperties

        /// How an error message describes the accepted values.
        var expectation: String {
            switch self {
            case .text: return "text"
            case .integer(let range): return "an integer from \(range.lowerBound) to \(range.upperBound)"
            case .number(let range, let unit):
                return "a number of \(unit) from \(ServeSetting.format(range.lowerBound)) to \(ServeSetting.format(range.upperBound))"
            case .boolean: return "true or false"
            case .choice(let words): return "one of \(words.joined(separator: ", "))"
            case .policy: return "a selection policy, JSON or @FILE"
            case .kafkaProperties: return "librdkafka properties"
            }
        }
    }

    /// The long flag without its dashes (`drain-timeout`); `X` for the short `-X`.
    let flag: String
    let environmentVariable: String
    /// The key in `--config FILE`; nil for `--config` itself.
    let configKey: String?
    /// The value used when no source gives one, as text (parsed like any other source); nil when
    /// the setting is off or computed unless given (`defaultDescription` says which).
    let defaultValue: String?
    /// What `--help` and README say about the default when it is not simply `defaultValue`.
    let defaultDescription: String?
    let help: String
    let values: Values
    /// The placeholder in `--help` (`host:port`, `json|@file`).
    let valueName: String?

    /// A setting whose environment variable is `WINNOW_` and whose config key is the flag's name,
    /// upper-cased or with underscores for dashes (unless given otherwise).
    init(_ flag: String, _ values: Values, default defaultValue: String? = nil, defaultDescription: String? = nil,
         valueName: String? = nil, environmentVariable: String? = nil, configKey: String? = nil, inConfigFile: Bool = true,
         help: String) {
        self.flag = flag
        self.values = values
        self.defaultValue = defaultValue
        self.defaultDescription = defaultDescription
        self.valueName = valueName
        self.environmentVariable = environmentVariable ?? "WINNOW_" + flag.uppercased().replacingDashes(with: "_")
        self.configKey = inConfigFile ? configKey ?? flag.replacingDashes(with: "_") : nil
        self.help = help
    }

    /// As typed on the command line: `--drain-timeout`, `-X`.
    var flagSpelling: String { flag.count == 1 ? "-" + flag : "--" + flag }

    /// The default as `--help` and README show it.
    var defaultText: String { defaultDescription ?? defaultValue ?? "off" }

    /// The flag's help: the setting's own text, then the values a choice takes (as
    /// argument-parser prints an enumeration's, which deploy/checks reads), where else it is
    /// read from, and its default.
    var argumentHelp: ArgumentHelp {
        var notes: [String] = []
        if case .choice(let words) = values { notes.append("values: " + words.joined(separator: ", ")) }
        notes.append("env \(environmentVariable)")
        if let configKey { notes.append("config \"\(configKey)\"") }
        notes.append("default: \(defaultText)")
        return ArgumentHelp("\(help) (\(notes.joined(separator: "; ")))", valueName: valueName)
    }

    /// Whole numbers without a fraction, as the help shows them (`86400`, `0.001`).
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

private extension String {
    func replacingDashes(with replacement: Character) -> String {
        String(map { $0 == "-" ? replacement : $0 })
    }
}
