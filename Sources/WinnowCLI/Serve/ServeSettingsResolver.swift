import Foundation

/// Finds each `winnow serve` setting's value: the flag, else its environment variable (an empty
/// one counts as unset), else the config file's key, else the table's default. Every source's
/// text is checked against the setting's `values` the same way, and a value out of bounds is an
/// error naming the config key and the environment variable, never a trap.
struct ServeSettingsResolver {
    /// Flag values as given on the command line, by setting.
    let flags: [ServeSetting: String]
    let environment: [String: String]
    let file: ServeConfigFile?

    /// The text of the first source that gives one, or the default; nil when none does.
    func text(_ setting: ServeSetting) throws -> String? {
        try given(setting) ?? setting.defaultValue
    }

    /// The text of the first source that gives one, the default left out (e.g. whether brokers
    /// were configured at all).
    func given(_ setting: ServeSetting) throws -> String? {
        if let flag = flags[setting] { return flag }
        if let text = environment[setting.environmentVariable], !text.isEmpty { return text }
        guard let key = setting.configKey else { return nil }
        return try file?.string(key)
    }

    /// An integer setting; nil only when no source gives one and it has no default.
    func integer(_ setting: ServeSetting) throws -> Int? {
        guard case .integer(let range) = setting.values else { preconditionFailure("\(setting.flag) is not an integer setting") }
        guard let text = try text(setting) else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else { throw invalid(setting, text) }
        return value
    }

    /// A number setting (seconds, milliseconds); nil only when none is given and it has no default.
    func number(_ setting: ServeSetting) throws -> Double? {
        guard case .number(let range, _) = setting.values else { preconditionFailure("\(setting.flag) is not a number setting") }
        guard let text = try text(setting) else { return nil }
        // `isFinite` first: 1e300 parses and is in no range, nan compares false with everything.
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value) else {
            throw invalid(setting, text)
        }
        return value
    }

    /// A number of seconds as a `Duration` (which could not hold 1e300 s; the bounds keep it small).
    func duration(_ setting: ServeSetting) throws -> Duration? {
        guard let value = try number(setting) else { return nil }
        guard case .number(_, let unit) = setting.values else { return nil }
        let milliseconds = unit == "milliseconds" ? value : value * 1000
        return .microseconds(Int64((milliseconds * 1000).rounded()))
    }

    func boolean(_ setting: ServeSetting) throws -> Bool {
        switch try text(setting)?.lowercased() {
        case nil, "false", "0", "no": return false
        case "true", "1", "yes": return true
        case let other?: throw invalid(setting, other)
        }
    }

    /// A `.choice` setting as its enumeration (`WeightPrecision`, `Logger.Level`, ...).
    func choice<Value: RawRepresentable>(_ setting: ServeSetting, as type: Value.Type) throws -> Value? where Value.RawValue == String {
        guard let text = try text(setting) else { return nil }
        guard let value = Value(rawValue: text.lowercased()) else { throw invalid(setting, text) }
        return value
    }

    /// The error for a value outside what `setting` accepts: its config key and environment
    /// variable, what it accepts, and the start of what it got.
    func invalid(_ setting: ServeSetting, _ text: String) -> CommandFailure {
        CommandFailure("\(setting.configKey ?? setting.flag) (\(setting.flagSpelling), \(setting.environmentVariable)) must be "
                       + "\(setting.values.expectation), got \"\(text.prefix(40))\"")
    }
}
