import Foundation
import Testing
@testable import WinnowCLI

/// `winnow serve`'s settings table: each setting resolves flag > environment > config file >
/// default, `--help` shows every setting with its environment variable and config key, and
/// README's list is the table's (`WINNOW_UPDATE_README=1 swift test --filter readmeListsTheTable`
/// rewrites it).
@Suite struct ServeSettingsTableTests {
    func configFile(_ json: String) throws -> ServeConfigFile {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-settings-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try ServeConfigFile(path: url.path)
    }

    @Test func eachSettingIsDeclaredOnce() {
        let all = ServeSettings.all
        #expect(Set(all.map(\.flag)).count == all.count)
        #expect(Set(all.map(\.environmentVariable)).count == all.count)
        #expect(Set(all.compactMap(\.configKey)).count == all.compactMap(\.configKey).count)
        for setting in all {
            #expect(setting.environmentVariable.hasPrefix("WINNOW_"))
            // A default given as text is one the setting itself accepts.
            if let text = setting.defaultValue {
                let resolver = ServeSettingsResolver(flags: [:], environment: [:], file: nil)
                #expect(throws: Never.self, "\(setting.flag) default \(text)") {
                    switch setting.values {
                    case .integer: _ = try resolver.integer(setting)
                    case .number: _ = try resolver.number(setting)
                    case .boolean: _ = try resolver.boolean(setting)
                    case .choice(let words): #expect(words.contains(text))
                    default: break
                    }
                }
            }
        }
    }

    @Test("flag > environment > config file > default, for every kind of value", arguments: [
        (ServeSettings.group, "from-flag", "from-env", "\"from-file\"", "from-file"),
        (ServeSettings.maxCandidates, "11", "12", "13", "13"),
        (ServeSettings.drainTimeout, "1.5", "2.5", "3.5", "3.5"),
        (ServeSettings.exactlyOnce, "true", "yes", "true", "true"),
        (ServeSettings.weights, "bfloat16", "float32", "\"bfloat16\"", "bfloat16"),
    ])
    func precedence(setting: ServeSetting, flag: String, env: String, fileJSON: String, fileText: String) throws {
        let key = try #require(setting.configKey)
        let file = try configFile("{\"\(key)\": \(fileJSON)}")
        let environment = [setting.environmentVariable: env]
        #expect(try ServeSettingsResolver(flags: [setting: flag], environment: environment, file: file).text(setting) == flag)
        #expect(try ServeSettingsResolver(flags: [:], environment: environment, file: file).text(setting) == env)
        #expect(try ServeSettingsResolver(flags: [:], environment: [setting.environmentVariable: ""], file: file).text(setting) == fileText,
                "an empty variable counts as unset")
        #expect(try ServeSettingsResolver(flags: [:], environment: [:], file: nil).text(setting) == setting.defaultValue)
    }

    @Test func typedValuesAndBounds() throws {
        let resolver = ServeSettingsResolver(flags: [ServeSettings.drainTimeout: "1.5"], environment: ["WINNOW_MAX_CANDIDATES": "7"], file: nil)
        #expect(try resolver.duration(ServeSettings.drainTimeout) == .milliseconds(1500))
        #expect(try resolver.integer(ServeSettings.maxCandidates) == 7)
        #expect(try resolver.integer(ServeSettings.maxPairsPerGroup) == 256, "the default, parsed like any value")
        #expect(try resolver.duration(ServeSettings.httpBatchWindowMs) == .milliseconds(25))
        let bad = ServeSettingsResolver(flags: [:], environment: ["WINNOW_DRAIN_TIMEOUT": "1e300", "WINNOW_MAX_CANDIDATES": "0"], file: nil)
        #expect { try bad.duration(ServeSettings.drainTimeout) } throws: { error in
            "\(error)" == #"drain_timeout (--drain-timeout, WINNOW_DRAIN_TIMEOUT) must be a number of seconds from 0 to 86400, got "1e300""#
        }
        #expect { try bad.integer(ServeSettings.maxCandidates) } throws: { error in
            "\(error)".contains("max_candidates (--max-candidates, WINNOW_MAX_CANDIDATES) must be an integer from 1 to 100000")
        }
    }

    @Test func everyFlagReachesTheResolver() throws {
        // Every setting but -X given as a flag: each must arrive under its own setting.
        var arguments: [String] = []
        for setting in ServeSettings.all where setting.values != .kafkaProperties {
            arguments += setting.values == .boolean ? [setting.flagSpelling] : [setting.flagSpelling, "v-\(setting.flag)"]
        }
        let command = try ServeCommand.parse(arguments + ["-X", "a=b"])
        let values = command.flagValues
        for setting in ServeSettings.all where setting.values != .kafkaProperties {
            #expect(values[setting] == (setting.values == .boolean ? "true" : "v-\(setting.flag)"), "\(setting.flag)")
        }
        #expect(command.kafkaFlags.kafkaProperties == ["a=b"])
    }

    @Test func helpListsEverySettingWithItsVariableAndKey() {
        let lines = ServeCommand.helpMessage(columns: 10_000).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for setting in ServeSettings.all {
            // The option's entry (the last match: the overview above may start a line with a flag),
            // with the next line, where the help goes when the flag's column is full.
            let index = lines.lastIndex { line in
                line == setting.flagSpelling || line.hasPrefix(setting.flagSpelling + " ") || line.hasPrefix(setting.flagSpelling + "/")
            }
            let entry = index.map { lines[$0...].prefix(2).joined(separator: " ") } ?? "not in --help"
            #expect(entry.contains("env \(setting.environmentVariable)"), "\(setting.flagSpelling): \(entry)")
            if let key = setting.configKey { #expect(entry.contains("config \"\(key)\""), "\(setting.flagSpelling): \(entry)") }
            #expect(entry.contains("default: \(setting.defaultText)"), "\(setting.flagSpelling): \(entry)")
        }
    }

    @Test func readmeListsTheTable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = "<!-- serve-settings: generated from ServeSettings.all; ServeSettingsTableTests keeps it in step -->\n"
        let end = "\n<!-- /serve-settings -->"
        let start = try #require(text.range(of: begin), "README has no settings block")
        let stop = try #require(text.range(of: end, range: start.upperBound..<text.endIndex))
        let block = String(text[start.upperBound..<stop.lowerBound])
        // WINNOW_UPDATE_README=1 writes the table into README instead (after changing a setting).
        if ProcessInfo.processInfo.environment["WINNOW_UPDATE_README"] == "1" {
            try text.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: ServeSettings.markdownTable)
                .write(to: readme, atomically: true, encoding: .utf8)
            return
        }
        #expect(block == ServeSettings.markdownTable,
                "README's settings differ from ServeSettings.all: run this test with WINNOW_UPDATE_README=1 to rewrite them")
    }
}
